//! [`Client::call`] and [`Client::start`]: the two entry points every binding method goes
//! through.

use serde::Serialize;
use serde_json::{json, Value};

use super::{Call, ImageSource, PrepareSpec, RenderRequest, DEFAULT_WEBHOOK_EVENTS};
use crate::error::{Error, ErrorKind, Result};
use crate::operation::{Operation, OperationContext};
use crate::renders::{CreateRender, WaitOptions};
use crate::screenshot::PreparedImage;
use crate::Client;

impl RenderRequest {
    /// The core request and, for [`Call::Render`], how to wait.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for a bad image or preparation field.
    pub fn into_parts(self) -> Result<(CreateRender, WaitOptions)> {
        let wait = self.wait.unwrap_or_default().options()?;
        let prepare = self.prepare.options()?;
        let shot = self.image.into_screenshot()?;
        Ok((
            CreateRender::new(shot)
                .prepare_options(prepare)
                .settings(self.settings),
            wait,
        ))
    }
}

impl ImageSource {
    /// Prepares the image for upload as a render creation would, on the calling thread.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for bad fields,
    /// [`Image`](crate::ErrorKind::Image) when it cannot be decoded or encoded.
    pub fn prepare(self, spec: &PrepareSpec) -> Result<PreparedImage> {
        let options = spec.options()?;
        self.into_screenshot()?.prepare(&options)
    }

    /// Prepares the image as [`prepare`](Self::prepare) does, with the bytes borrowed rather
    /// than moved in: `attached` are bytes that travelled beside the call, used in place (a
    /// binding's 33 MB 4K capture is not copied first).
    ///
    /// # Errors
    ///
    /// As [`prepare`](Self::prepare), and as [`ImageSource::screenshot`] for attached bytes
    /// the source does not take.
    pub fn prepare_attached(
        &self,
        attached: Option<&[u8]>,
        spec: &PrepareSpec,
    ) -> Result<PreparedImage> {
        let options = spec.options()?;
        self.screenshot(attached)?.prepare(&options)
    }
}

/// `{"mimeType", "format", "width", "height", "size"}` of a prepared image.
pub fn prepared_info(image: &PreparedImage) -> Value {
    json!({
        "mimeType": image.mime_type(),
        "format": image.format.to_string(),
        "width": image.width,
        "height": image.height,
        "size": image.bytes.len(),
    })
}

fn to_json<T: Serialize>(value: T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("could not write the result as JSON: {e}"),
        )
    })
}

/// A not-found answer names what was looked for.
fn name_the_id<'a>(what: &'static str, id: &'a str) -> impl FnOnce(Error) -> Error + 'a {
    move |e| {
        if e.kind() == ErrorKind::NotFound {
            let message = format!("{what} {id:?} was not found for this account");
            e.with_message(message)
        } else {
            e
        }
    }
}

impl Client {
    /// Makes one call and answers its result as the API's camelCase JSON (`null` for calls
    /// without a result). Every binding method that does not need an [`Operation`] is this.
    ///
    /// ```no_run
    /// # async fn run(client: renderiq_sdk::Client) -> renderiq_sdk::Result<()> {
    /// use renderiq_sdk::call::Call;
    /// let credits = client.call(Call::from_json(r#"{"call":"credits"}"#)?).await?;
    /// println!("{} credits", credits["balance"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The errors of the call it makes; [`InvalidInput`](ErrorKind::InvalidInput) for values
    /// the API would refuse, before anything is sent.
    pub async fn call(&self, call: Call) -> Result<Value> {
        match call {
            Call::SignIn { email, password } => to_json(self.sign_in(&email, &password).await?),
            Call::UseApiKey { key } => self.use_api_key(&key).await.map(|()| Value::Null),
            Call::SignOut {} => self.sign_out().await.map(|()| Value::Null),
            Call::IsSignedIn {} => Ok(Value::Bool(self.is_signed_in().await.unwrap_or(false))),
            Call::Me {} => to_json(self.me().await?),
            Call::Health {} => to_json(self.health().await?),
            Call::Credits {} => to_json(self.credits().await?),
            Call::CreditTransactions { page } => {
                let (page, limit) = page.resolve()?;
                to_json(self.credit_transactions(page, limit).await?)
            }
            Call::Projects {} => to_json(self.projects().await?),
            Call::CreateProject { name, description } => {
                to_json(self.create_project(&name, description.as_deref()).await?)
            }
            Call::Settings {} => to_json(self.settings().await?),
            Call::UpdateSettings { settings } => to_json(self.update_settings(&settings).await?),
            Call::CreateApiKey {
                name,
                scopes,
                expires_at,
            } => {
                if scopes.is_empty() {
                    return Err(super::image::field_error(
                        "scopes",
                        "an API key needs at least one scope, e.g. \"renders:create\"",
                    ));
                }
                let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
                to_json(self.create_api_key(&name, &scopes, expires_at).await?)
            }
            Call::ApiKeys {} => to_json(self.api_keys().await?),
            Call::RevokeApiKey { id } => self
                .revoke_api_key(&id)
                .await
                .map_err(name_the_id("API key", &id))
                .map(|()| Value::Null),
            Call::RegisterWebhook { url, events } => {
                let events: Vec<&str> = match &events {
                    Some(list) => list.iter().map(String::as_str).collect(),
                    None => DEFAULT_WEBHOOK_EVENTS.to_vec(),
                };
                to_json(self.register_webhook(&url, &events).await?)
            }
            Call::Webhooks {} => to_json(self.webhooks().await?),
            Call::DeleteWebhook { id } => self
                .delete_webhook(&id)
                .await
                .map_err(name_the_id("webhook", &id))
                .map(|()| Value::Null),
            Call::CallbackSecret {} => Ok(Value::String(
                self.callback_secret().await?.expose().to_owned(),
            )),
            Call::RetrieveRender { id } => to_json(
                self.retrieve_render(&id)
                    .await
                    .map_err(name_the_id("render", &id))?,
            ),
            Call::ListRenders(query) => to_json(self.list_renders(&query).await?),
            Call::CancelRender { id } => to_json(
                self.cancel_render(&id)
                    .await
                    .map_err(name_the_id("render", &id))?,
            ),
            Call::DownloadRender { id, path } => {
                let render = self
                    .retrieve_render(&id)
                    .await
                    .map_err(name_the_id("render", &id))?;
                let bytes = self.download_render_to(&render, &path).await?;
                Ok(json!({ "path": path, "bytes": bytes }))
            }
            Call::PrepareImage { image, prepare } => {
                let prepared = tokio::task::spawn_blocking(move || image.prepare(&prepare))
                    .await
                    .map_err(|e| {
                        Error::new(ErrorKind::Image, format!("image preparation stopped: {e}"))
                    })??;
                Ok(prepared_info(&prepared))
            }
            // The calls that follow a render run as operations, for one cancellation rule.
            call @ (Call::CreateRender(_) | Call::Render(_) | Call::WaitForRender { .. }) => {
                let op = self.start(call)?;
                let _cancel_on_drop = CancelOnDrop(op.clone());
                op.finished().await
            }
        }
    }

    /// Starts a call in the background as an [`Operation`] that a host's UI thread polls from
    /// a timer. Every call can be started; those that follow a render report its progress.
    ///
    /// One cancellation rule for every call that creates a render ([`Call::creates_render`]):
    /// cancelling withdraws the render when it is still pending (credits refunded), whether the
    /// cancel came during the upload or during the wait; a render already processing runs to
    /// its end on the server.
    ///
    /// ```no_run
    /// # fn run(client: renderiq_sdk::Client) -> renderiq_sdk::Result<()> {
    /// use std::time::Duration;
    /// use renderiq_sdk::call::Call;
    /// let op = client.start(Call::from_json(
    ///     r#"{"call":"render","image":{"kind":"file","path":"view.png"},"settings":{"prompt":"dusk"}}"#,
    /// )?)?;
    /// // from the UI timer:
    /// println!("{}%", op.progress().percent);
    /// let render = op.wait(Some(Duration::from_secs(600))).expect("done in time")?;
    /// println!("{}", render["outputUrl"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](ErrorKind::InvalidInput) for a bad request (checked before anything
    /// starts) and [`Config`](ErrorKind::Config) when the shared runtime cannot be used; the
    /// operation's outcome carries the call's own errors.
    pub fn start(&self, call: Call) -> Result<Operation<Value>> {
        let client = self.clone();
        match call {
            Call::CreateRender(req) => {
                if req.wait.is_some() {
                    return Err(super::image::field_error(
                        "wait",
                        "create_render does not wait: use the render call to create and wait",
                    ));
                }
                let (req, _) = req.into_parts()?;
                Operation::spawn(move |ctx| async move {
                    to_json(client.create_for_operation(req, &ctx).await?)
                })
            }
            Call::Render(req) => {
                let (req, wait) = req.into_parts()?;
                Operation::spawn(move |ctx| async move {
                    let render = client.create_for_operation(req, &ctx).await?;
                    to_json(client.wait_with_progress(&render.id, wait, &ctx).await?)
                })
            }
            Call::WaitForRender { id, wait } => {
                let wait = wait.options()?;
                Operation::spawn(move |ctx| async move {
                    let render = client
                        .wait_with_progress(&id, wait, &ctx)
                        .await
                        .map_err(name_the_id("render", &id))?;
                    to_json(render)
                })
            }
            other => Operation::spawn(move |ctx: OperationContext| async move {
                ctx.report(0, Some(other.name()));
                Box::pin(client.call(other)).await
            }),
        }
    }
}

/// Cancels an operation when the future awaiting it is dropped, so that dropping
/// [`Client::call`] withdraws a render it created.
struct CancelOnDrop(Operation<Value>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.0.is_done() {
            self.0.cancel();
        }
    }
}
