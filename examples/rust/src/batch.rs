//! Render a folder of viewport screenshots concurrently.
//!
//! Every image gets its own task; a [`Semaphore`] bounds how many renders are in flight (upload,
//! wait and download), so a folder of 500 views does not open 500 requests at once. Rate limits
//! are handled in two layers: the SDK already retries a 429 itself, honouring `Retry-After`; when
//! a [`RateLimited`](renderiq_sdk::ErrorKind::RateLimited) error still escapes (a long burst),
//! that file waits for the server's `retry_after` and tries the same step again. A render
//! creation is retried with the same idempotency key, so a file is never rendered (or charged)
//! twice.
//!
//! ```no_run
//! use std::path::Path;
//! use renderiq_examples::batch::{self, BatchOptions};
//!
//! # async fn run() -> renderiq_sdk::Result<()> {
//! let client = renderiq_sdk::Client::builder().base_url("http://127.0.0.1:8787").build()?;
//! let inputs = batch::find_images(Path::new("views")).expect("readable folder");
//! let opts = BatchOptions::new("dusk, warm light").concurrency(4);
//! let outcomes = batch::render_all(&client, inputs, Path::new("renders"), &opts).await;
//! print!("{}", batch::summary(&outcomes));
//! # Ok(()) }
//! ```

use std::collections::HashSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use renderiq_sdk::{Client, CreateRender, Quality, Render, Screenshot, WaitOptions};
use tokio::sync::Semaphore;

/// Concurrency used when none is given: renders in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Waits for the server's `retry_after` a file may do per step before giving up.
pub const DEFAULT_RATE_LIMIT_RETRIES: u32 = 5;

/// Image file extensions picked up from the input folder.
pub const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];

/// Settings of a batch.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Prompt of every render.
    pub prompt: String,
    /// Style; `None` uses the account's default.
    pub style: Option<String>,
    /// Quality; `None` uses the account's default.
    pub quality: Option<Quality>,
    /// Renders in flight at once.
    pub concurrency: usize,
    /// How long to wait for one render.
    pub timeout: Duration,
    /// Rate-limit waits allowed per step of one file.
    pub rate_limit_retries: u32,
    /// Prefix of the idempotency keys; one key per file, reused on every retry.
    pub run_id: String,
}

impl BatchOptions {
    /// Defaults: account style and quality, [`DEFAULT_CONCURRENCY`], 10 minutes per render.
    pub fn new(prompt: impl Into<String>) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            prompt: prompt.into(),
            style: None,
            quality: None,
            concurrency: DEFAULT_CONCURRENCY,
            timeout: Duration::from_secs(600),
            rate_limit_retries: DEFAULT_RATE_LIMIT_RETRIES,
            run_id: format!("batch-{}-{}", now.as_millis(), std::process::id()),
        }
    }

    /// Renders in flight at once (at least 1).
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }
}

/// A file that rendered.
#[derive(Debug, Clone)]
pub struct Done {
    /// The completed render.
    pub render: Render,
    /// Where its output was saved.
    pub output: PathBuf,
    /// Size of the output.
    pub bytes: u64,
    /// How often this file waited out a rate limit that the SDK's own retries did not absorb.
    pub rate_limit_waits: u32,
    /// Time from start to saved output.
    pub elapsed: Duration,
}

/// What happened to one input file.
#[derive(Debug)]
pub struct Outcome {
    /// The input file.
    pub input: PathBuf,
    /// The result.
    pub result: renderiq_sdk::Result<Done>,
}

/// The images directly inside `dir`, sorted by name.
///
/// # Errors
///
/// The folder cannot be read.
pub fn find_images(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_image = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if is_image && path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Output paths in `out_dir`: `view.png` → `view-render.png`; a stem used twice keeps its
/// extension (`view.jpg` → `view.jpg-render.png`), and a name used yet again gets a number
/// (`view.jpg-2-render.png`), so no output overwrites another.
pub fn output_paths(inputs: &[PathBuf], out_dir: &Path) -> Vec<PathBuf> {
    let mut used = HashSet::new();
    inputs
        .iter()
        .map(|input| {
            let stem = input
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let file_name = input
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let name = [stem, file_name.clone()]
                .into_iter()
                .chain((2..).map(|n| format!("{file_name}-{n}")))
                .find(|candidate| used.insert(candidate.to_ascii_lowercase()))
                .expect("an unused name exists");
            out_dir.join(format!("{name}-render.png"))
        })
        .collect()
}

/// Renders every input concurrently (at most `opts.concurrency` at once) and saves the outputs
/// in `out_dir`. Returns one outcome per input, in input order; a failure of one file does not
/// stop the others.
pub async fn render_all(
    client: &Client,
    inputs: Vec<PathBuf>,
    out_dir: &Path,
    opts: &BatchOptions,
) -> Vec<Outcome> {
    let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let outputs = output_paths(&inputs, out_dir);
    let mut tasks = Vec::with_capacity(inputs.len());
    for (index, (input, output)) in inputs.into_iter().zip(outputs).enumerate() {
        let (client, permits, opts) = (client.clone(), permits.clone(), opts.clone());
        tasks.push(tokio::spawn(async move {
            // Held for the whole upload-wait-download of this file.
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let key = format!("{}-{index}", opts.run_id);
            let result = render_one(&client, &input, &output, &key, &opts).await;
            Outcome { input, result }
        }));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await.expect("a render task panicked"));
    }
    outcomes
}

/// Renders one file: create (with `idempotency_key`), wait, download to `output`.
///
/// # Errors
///
/// The first error that is not a rate limit, or a rate limit that outlasted
/// `opts.rate_limit_retries` waits.
pub async fn render_one(
    client: &Client,
    input: &Path,
    output: &Path,
    idempotency_key: &str,
    opts: &BatchOptions,
) -> renderiq_sdk::Result<Done> {
    let started = Instant::now();
    let mut waits = 0;
    let created = retry_rate_limited(opts.rate_limit_retries, &mut waits, || {
        let mut req = CreateRender::new(Screenshot::file(input))
            .prompt(opts.prompt.as_str())
            .idempotency_key(idempotency_key);
        if let Some(s) = &opts.style {
            req = req.style(s.as_str());
        }
        if let Some(q) = opts.quality {
            req = req.quality(q);
        }
        client.create_render(req)
    })
    .await?;
    let render = retry_rate_limited(opts.rate_limit_retries, &mut waits, || {
        client.wait_for_render_with(&created.id, WaitOptions::new().timeout(opts.timeout))
    })
    .await?;
    let bytes = retry_rate_limited(opts.rate_limit_retries, &mut waits, || {
        client.download_render_to(&render, output)
    })
    .await?;
    Ok(Done {
        render,
        output: output.to_path_buf(),
        bytes,
        rate_limit_waits: waits,
        elapsed: started.elapsed(),
    })
}

/// Runs `step`; when it fails with a rate limit, sleeps for the error's `retry_after` (plus a
/// little jitter, so tasks that were limited together do not return together) and runs it
/// again, at most `max` times in all for this file (`waits` counts them).
///
/// # Errors
///
/// The step's error, once it is not a rate limit or `max` waits were spent.
pub async fn retry_rate_limited<T, F, Fut>(
    max: u32,
    waits: &mut u32,
    mut step: F,
) -> renderiq_sdk::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = renderiq_sdk::Result<T>>,
{
    loop {
        match step().await {
            Err(e) if e.is_rate_limited() && *waits < max => {
                *waits += 1;
                let after = e.retry_after().unwrap_or(Duration::from_secs(1));
                tokio::time::sleep(after + jitter()).await;
            }
            other => return other,
        }
    }
}

/// 0–250 ms, from the clock's sub-second digits: enough to spread tasks out.
fn jitter() -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Duration::from_millis(u64::from(nanos % 250))
}

/// One line per file and a total: what people read at the end of a batch.
pub fn summary(outcomes: &[Outcome]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let (mut ok, mut credits) = (0, 0);
    for o in outcomes {
        let name = o.input.file_name().unwrap_or_default().to_string_lossy();
        match &o.result {
            Ok(d) => {
                ok += 1;
                credits += d.render.credits_cost;
                let _ = write!(
                    s,
                    "ok      {name} -> {} ({} credits, {:.1} s",
                    d.output.display(),
                    d.render.credits_cost,
                    d.elapsed.as_secs_f64()
                );
                if d.rate_limit_waits > 0 {
                    let _ = write!(s, ", waited out {} rate limits", d.rate_limit_waits);
                }
                s.push_str(")\n");
            }
            Err(e) => {
                let _ = writeln!(s, "failed  {name}: {e}");
            }
        }
    }
    let failed = outcomes.len() - ok;
    let _ = writeln!(s, "{ok} rendered, {failed} failed, {credits} credits spent");
    s
}
