//! What commands print: every result has a human form (concise lines and tables) and a JSON form
//! (one document on stdout with `--json`). Pure functions, so both forms are unit-tested.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use renderiq_sdk::types::{
    ApiKey, CreatedApiKey, CreatedWebhook, CreditTransaction, Credits, Health, Page, Project,
    Settings, User, Webhook, WebhookEvent,
};
use renderiq_sdk::Render;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::CliError;

/// A command's result in both forms.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The `--json` document.
    pub json: Value,
    /// Lines for people, ending with a newline (or empty).
    pub human: String,
}

impl Report {
    /// A report from a serialisable value and its human text.
    pub fn new(value: &impl Serialize, human: impl Into<String>) -> Self {
        Self {
            json: to_json(value),
            human: human.into(),
        }
    }

    /// Writes the chosen form to stdout.
    /// A closed pipe (`renderiq renders list | head -1`) is not an error.
    pub fn print(&self, json: bool) {
        let text = if json {
            let mut t = serde_json::to_string_pretty(&self.json).unwrap_or_else(|_| "null".into());
            t.push('\n');
            t
        } else {
            self.human.clone()
        };
        let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    }
}

fn to_json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// How an error is shown to people: `error: …` plus the fields that help.
pub fn error_human(err: &CliError) -> String {
    let mut s = format!("error: {err}\n");
    if let CliError::Sdk(e) = err {
        if let (Some(req), Some(avail)) = (e.required_credits(), e.available_credits()) {
            let _ = writeln!(s, "  this needs {req} credits; {avail} available");
        }
        if let Some(after) = e.retry_after() {
            let _ = writeln!(s, "  retry in {} s", after.as_secs_f64().ceil());
        }
        match (e.kind(), e.error_code()) {
            (renderiq_sdk::ErrorKind::Auth, _) => {
                s.push_str("  sign in with `renderiq login`, or pass --api-key\n");
            }
            (_, Some("WEBHOOK_TIMESTAMP_TOO_OLD" | "WEBHOOK_TIMESTAMP_TOO_NEW")) => {
                s.push_str("  to check an old delivery on purpose, pass --now with its webhook-timestamp\n");
            }
            _ => {}
        }
        if let Some(Value::Object(fields)) = e.details() {
            if e.kind() == renderiq_sdk::ErrorKind::InvalidInput {
                for (field, problem) in fields {
                    let problem = problem
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| problem.to_string());
                    let _ = writeln!(s, "  {field}: {problem}");
                }
            }
        }
    }
    s
}

/// How an error is shown with `--json` (on stderr): `{"error": {kind, code, message, …}}`.
pub fn error_json(err: &CliError) -> Value {
    json!({ "error": err.to_json() })
}

/// `time` as `2026-01-31 12:00 UTC`.
pub fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A table with a header row; columns padded to their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i + 1 == widths.len() {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

fn or_dash(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

/// One render in detail.
pub fn render(r: &Render) -> Report {
    let mut s = format!("render {}  {}", r.id, status_text(r));
    s.push('\n');
    let _ = writeln!(
        s,
        "  style     {} / {} / {}",
        r.style, r.quality, r.aspect_ratio
    );
    let _ = writeln!(s, "  credits   {}", r.credits_cost);
    if let Some(p) = &r.prompt {
        let _ = writeln!(s, "  prompt    {p}");
    }
    if let Some(p) = &r.project_id {
        let _ = writeln!(s, "  project   {p}");
    }
    if let Some(u) = &r.output_url {
        let _ = writeln!(s, "  output    {u}");
    }
    if let Some(e) = &r.error {
        let _ = writeln!(s, "  error     {e}");
    }
    let _ = writeln!(s, "  created   {}", time(&r.created_at));
    Report::new(r, s)
}

fn status_text(r: &Render) -> String {
    match r.status {
        renderiq_sdk::RenderStatus::Processing => format!("processing {}%", r.progress),
        other => other.to_string(),
    }
}

/// The result of `render`: the render, and the saved file when there is one.
pub fn render_created(r: &Render, saved: Option<(&Path, u64)>) -> Report {
    let mut rep = render(r);
    let output =
        saved.map(|(path, bytes)| json!({ "path": path.display().to_string(), "bytes": bytes }));
    rep.json = json!({ "render": rep.json, "output": output });
    if let Some((path, bytes)) = saved {
        let _ = writeln!(
            rep.human,
            "saved {} ({})",
            path.display(),
            human_bytes(bytes)
        );
    } else if !r.status.is_terminal() {
        let _ = writeln!(rep.human, "follow it with: renderiq status {} --wait", r.id);
    }
    rep
}

/// A page of renders as a table.
pub fn renders(page: &Page<Render>) -> Report {
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                status_text(r),
                r.quality.to_string(),
                r.style.clone(),
                r.credits_cost.to_string(),
                time(&r.created_at),
                or_dash(r.prompt.as_deref()),
            ]
        })
        .collect();
    let mut s = if rows.is_empty() {
        "no renders\n".to_owned()
    } else {
        table(
            &[
                "ID", "STATUS", "QUALITY", "STYLE", "CREDITS", "CREATED", "PROMPT",
            ],
            &rows,
        )
    };
    s.push_str(&page_footer(page));
    Report::new(page, s)
}

fn page_footer<T>(page: &Page<T>) -> String {
    let pages = page.total.div_ceil(u64::from(page.limit.max(1))).max(1);
    let mut s = format!("page {} of {pages} ({} in all)", page.page, page.total);
    if page.has_more {
        let _ = write!(s, "; next: --page {}", page.page + 1);
    }
    s.push('\n');
    s
}

/// A download's result.
pub fn downloaded(id: &str, path: &Path, bytes: u64) -> Report {
    Report {
        json: json!({ "id": id, "path": path.display().to_string(), "bytes": bytes }),
        human: format!(
            "saved {} ({}) from render {id}\n",
            path.display(),
            human_bytes(bytes)
        ),
    }
}

/// `1.2 MB`-style sizes.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The credit balance.
pub fn credits(c: &Credits) -> Report {
    Report::new(
        c,
        format!(
            "{} credits (earned {}, spent {})\n",
            c.balance, c.total_earned, c.total_spent
        ),
    )
}

/// A page of the credit ledger.
pub fn transactions(page: &Page<CreditTransaction>) -> Report {
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|t| {
            vec![
                time(&t.created_at),
                format!("{:?}", t.kind).to_lowercase(),
                format!("{:+}", t.amount),
                t.balance_after.to_string(),
                or_dash(t.reference_id.as_deref()),
                or_dash(t.description.as_deref()),
            ]
        })
        .collect();
    let mut s = if rows.is_empty() {
        "no transactions\n".to_owned()
    } else {
        table(
            &[
                "TIME",
                "TYPE",
                "AMOUNT",
                "BALANCE",
                "REFERENCE",
                "DESCRIPTION",
            ],
            &rows,
        )
    };
    s.push_str(&page_footer(page));
    Report::new(page, s)
}

/// The signed-in user.
pub fn user(u: &User) -> Report {
    let name = u
        .name
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    Report::new(
        u,
        format!(
            "{}{name}\n  user id   {}\n  since     {}\n",
            u.email,
            u.id,
            u.created_at.as_ref().map_or_else(|| "-".to_owned(), time)
        ),
    )
}

/// The result of `login`.
pub fn logged_in(u: &User, store: &str) -> Report {
    Report {
        json: json!({ "user": to_json(u), "tokenStore": store }),
        human: format!("signed in as {}; session saved in {store}\n", u.email),
    }
}

/// The result of `login --api-key`.
pub fn api_key_saved(store: &str) -> Report {
    Report {
        json: json!({ "apiKey": true, "tokenStore": store }),
        human: format!("API key saved in {store}\n"),
    }
}

/// The result of `logout`.
pub fn logged_out() -> Report {
    Report {
        json: json!({ "signedOut": true }),
        human: "signed out\n".to_owned(),
    }
}

/// Projects as a table.
pub fn projects(list: &[Project]) -> Report {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            vec![
                p.id.clone(),
                p.name.clone(),
                p.slug.clone(),
                time(&p.created_at),
            ]
        })
        .collect();
    let s = if rows.is_empty() {
        "no projects\n".to_owned()
    } else {
        table(&["ID", "NAME", "SLUG", "CREATED"], &rows)
    };
    Report::new(&list, s)
}

/// One project.
pub fn project(p: &Project) -> Report {
    Report::new(
        p,
        format!("project {} \"{}\" (slug {})\n", p.id, p.name, p.slug),
    )
}

/// A new API key, shown once.
pub fn created_key(k: &CreatedApiKey) -> Report {
    let mut s = format!("{}\n", k.key);
    let _ = writeln!(
        s,
        "API key {} \"{}\" with scopes {}",
        k.api_key.id,
        k.api_key.name,
        k.api_key.scopes.join(", ")
    );
    if let Some(t) = &k.api_key.expires_at {
        let _ = writeln!(s, "expires {}", time(t));
    }
    s.push_str("store it now: it is not shown again\n");
    Report::new(k, s)
}

/// API keys as a table.
pub fn keys(list: &[ApiKey]) -> Report {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|k| {
            vec![
                k.id.clone(),
                k.name.clone(),
                format!("{}…", k.prefix),
                k.scopes.join(","),
                k.last_used_at
                    .as_ref()
                    .map(time)
                    .unwrap_or_else(|| "never".into()),
                k.expires_at
                    .as_ref()
                    .map(time)
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let s = if rows.is_empty() {
        "no API keys\n".to_owned()
    } else {
        table(
            &["ID", "NAME", "PREFIX", "SCOPES", "LAST USED", "EXPIRES"],
            &rows,
        )
    };
    Report::new(&list, s)
}

/// A deletion or revocation.
pub fn removed(what: &str, id: &str) -> Report {
    Report {
        json: json!({ "id": id, "deleted": true }),
        human: format!("{what} {id} deleted\n"),
    }
}

/// A new webhook and its secret, shown once.
pub fn created_webhook(w: &CreatedWebhook) -> Report {
    let mut s = format!("{}\n", w.secret);
    let _ = writeln!(
        s,
        "webhook {} → {} ({})",
        w.webhook.id,
        w.webhook.url,
        w.webhook.events.join(", ")
    );
    s.push_str("this is the signing secret: store it now, it is not shown again\n");
    Report::new(w, s)
}

/// Webhooks as a table.
pub fn webhooks(list: &[Webhook]) -> Report {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|w| {
            vec![
                w.id.clone(),
                w.url.clone(),
                w.events.join(","),
                if w.active {
                    "active".into()
                } else {
                    "disabled".into()
                },
                w.failure_count.to_string(),
            ]
        })
        .collect();
    let s = if rows.is_empty() {
        "no webhooks\n".to_owned()
    } else {
        table(&["ID", "URL", "EVENTS", "STATE", "FAILURES"], &rows)
    };
    Report::new(&list, s)
}

/// A verified webhook delivery: the typed render event when the body is one, else the payload.
pub fn verified_delivery(
    msg_id: &str,
    timestamp: i64,
    event: Option<&WebhookEvent>,
    payload: &[u8],
) -> Report {
    let mut doc = json!({ "verified": true, "msgId": msg_id, "timestamp": timestamp });
    let mut s = format!("signature verified: message {msg_id}, sent at unix time {timestamp}\n");
    match event {
        Some(e) => {
            doc["event"] = to_json(e);
            let r = &e.data;
            let _ = writeln!(
                s,
                "{} for render {} ({}) at {}",
                e.kind,
                r.id,
                status_text(r),
                time(&e.timestamp)
            );
            if let Some(u) = &r.output_url {
                let _ = writeln!(s, "  output  {u}");
            }
            if let Some(err) = &r.error {
                let _ = writeln!(s, "  error   {err}");
            }
        }
        None => {
            let text = String::from_utf8_lossy(payload);
            doc["payload"] =
                serde_json::from_slice(payload).unwrap_or_else(|_| Value::String(text.to_string()));
            let _ = writeln!(
                s,
                "the body is not a Renderiq render event; payload:\n{text}"
            );
            if !s.ends_with('\n') {
                s.push('\n');
            }
        }
    }
    Report {
        json: doc,
        human: s,
    }
}

/// Settings.
pub fn settings(st: &Settings) -> Report {
    let mut s = String::new();
    let _ = writeln!(s, "default style         {}", st.default_style);
    let _ = writeln!(s, "default quality       {}", st.default_quality);
    let _ = writeln!(s, "default aspect ratio  {}", st.default_aspect_ratio);
    let _ = writeln!(
        s,
        "default project       {}",
        or_dash(st.default_project_id.as_deref())
    );
    let _ = writeln!(
        s,
        "notify on complete    {}",
        if st.notify_on_complete { "yes" } else { "no" }
    );
    Report::new(st, s)
}

/// Server health.
pub fn health(h: &Health, base_url: &str) -> Report {
    Report::new(
        h,
        format!(
            "{} — {base_url}: server {}, database {}, long-poll {}, server time {}\n",
            h.status,
            h.version,
            h.database,
            if h.long_poll { "yes" } else { "no" },
            time(&h.time)
        ),
    )
}
