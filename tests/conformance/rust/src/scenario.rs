//! Running one scenario file: its steps in order, through `Client::call` / `Client::start`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use renderiq_sdk::call::Call;
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::webhooks::{self, Webhook};
use renderiq_sdk::{Client, Error, Operation};
use serde_json::{json, Map, Value};

use crate::matching::short;
use crate::setup::Setup;
use crate::vars::{at_path, substitute};
use crate::{buffers, expect};

/// Longest a single call or operation may take before the step fails.
const STEP_LIMIT: Duration = Duration::from_secs(120);
/// How often a `start` step looks at the operation's progress.
const POLL: Duration = Duration::from_millis(5);

/// One scenario in progress: its variables and its current client.
pub struct Scenario<'a> {
    setup: &'a Setup,
    rt: &'a tokio::runtime::Runtime,
    vars: BTreeMap<String, Value>,
    defaults: Map<String, Value>,
    client: Option<Client>,
}

/// Runs the scenario file at `path`.
///
/// ```no_run
/// use renderiq_conformance::{scenario, setup::Setup};
/// let setup = Setup::from_env().unwrap();
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// scenario::run(&setup, &rt, "tests/conformance/scenarios/not_found_render.json".as_ref()).unwrap();
/// ```
///
/// # Errors
///
/// Why the first failing step failed, prefixed with its number.
pub fn run(setup: &Setup, rt: &tokio::runtime::Runtime, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or("the file name is not UTF-8")?;
    let server = doc
        .get("server")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let vars = setup.values(stem, server)?;
    let mut defaults = Map::new();
    defaults.insert("baseUrl".into(), vars["base_url"].clone());
    defaults.insert("tokenStore".into(), json!("memory"));
    let mut scenario = Scenario {
        setup,
        rt,
        vars,
        defaults,
        client: None,
    };
    scenario.client = Some(
        scenario
            .build_client(&Map::new())
            .map_err(|e| format!("the default client: {e}"))?,
    );
    let steps = doc
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("the scenario has no `steps` list")?;
    for (i, step) in steps.iter().enumerate() {
        scenario
            .step(step)
            .map_err(|why| format!("step {} ({}): {why}", i + 1, step_label(step)))?;
    }
    Ok(())
}

/// A short name for a step in failure messages: its call name or its kind.
fn step_label(step: &Value) -> String {
    for key in ["call", "start"] {
        if let Some(name) = step
            .get(key)
            .and_then(|c| c.get("call"))
            .and_then(Value::as_str)
        {
            return format!("{key} {name}");
        }
    }
    step.as_object()
        .and_then(|m| {
            m.keys()
                .find(|k| !matches!(k.as_str(), "expect" | "save"))
                .cloned()
        })
        .unwrap_or_else(|| "?".to_owned())
}

impl Scenario<'_> {
    fn step(&mut self, step: &Value) -> Result<(), String> {
        let expect = match step.get("expect") {
            Some(e) => Some(substitute(e, &self.vars)?),
            None => None,
        };
        let expect = expect.as_ref();
        if let Some(call) = step.get("call") {
            let outcome = self.call(call, step.get("attach"))?;
            expect::check(expect, &outcome)?;
            self.save(step.get("save"), &outcome)
        } else if let Some(call) = step.get("start") {
            self.start(call, step, expect)
        } else if let Some(ms) = step.get("sleep_ms") {
            let ms = ms.as_u64().ok_or("sleep_ms must be a whole number")?;
            std::thread::sleep(Duration::from_millis(ms));
            Ok(())
        } else if let Some(spec) = step.get("verify_webhook") {
            let spec = substitute(spec, &self.vars)?;
            let outcome = verify_webhook(&spec)?;
            expect::check(expect, &outcome)
        } else if let Some(options) = step.get("client") {
            let options = substitute(options, &self.vars)?;
            let options = options.as_object().ok_or("`client` must be an object")?;
            let outcome = self.build_client(options);
            let as_json = outcome.as_ref().map(|_| Value::Null).map_err(Clone::clone);
            self.client = outcome.ok();
            match expect {
                Some(_) => expect::check(expect, &as_json),
                None => as_json
                    .map(|_| ())
                    .map_err(|e| format!("the client was not built: {e}")),
            }
        } else {
            Err(format!("unknown step {}", short(step)))
        }
    }

    fn build_client(&self, options: &Map<String, Value>) -> Result<Client, Error> {
        let mut merged = self.defaults.clone();
        merged.extend(options.iter().map(|(k, v)| (k.clone(), v.clone())));
        let text = Value::Object(merged).to_string();
        ClientConfig::from_json(&text)?.into_builder()?.build()
    }

    fn client(&self) -> Result<&Client, String> {
        self.client
            .as_ref()
            .ok_or_else(|| "there is no client: the last `client` step did not build one".into())
    }

    /// Parses the call (its own errors are an outcome too) and attaches a named buffer.
    fn prepare(&self, call: &Value, attach: Option<&Value>) -> Result<Result<Call, Error>, String> {
        let call = substitute(call, &self.vars)?;
        let mut parsed = match Call::from_json(&call.to_string()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(name) = attach {
            let name = name.as_str().ok_or("`attach` must name a buffer")?;
            let bytes = buffers::named(name, &self.setup.root)?;
            if let Err(e) = parsed.attach(bytes) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(parsed))
    }

    fn call(&self, call: &Value, attach: Option<&Value>) -> Result<Result<Value, Error>, String> {
        let call = match self.prepare(call, attach)? {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        let client = self.client()?;
        self.rt
            .block_on(async { tokio::time::timeout(STEP_LIMIT, client.call(call)).await })
            .map_err(|_| format!("the call took longer than {STEP_LIMIT:?}"))
    }

    fn start(&mut self, call: &Value, step: &Value, expect: Option<&Value>) -> Result<(), String> {
        let parsed = self.prepare(call, step.get("attach"))?;
        let client = self.client()?;
        let op = match parsed.and_then(|c| client.start(c)) {
            Ok(op) => op,
            Err(e) => return expect::check(expect, &Err(e)),
        };
        let mut seen = op.progress();
        match step.get("cancel_when") {
            None => {
                if step.get("expect_progress").and_then(Value::as_bool) == Some(true) {
                    let first = seen.version;
                    wait_done(&op)?;
                    seen = op.progress();
                    if seen.version <= first {
                        return Err(format!("the progress version never grew (stayed {first})"));
                    }
                    if seen.percent != 100 {
                        return Err(format!("the last progress was {} percent", seen.percent));
                    }
                }
            }
            Some(Value::String(s)) if s == "at_once" => op.cancel(),
            Some(when) => {
                let stage = when.get("stage").and_then(Value::as_str).ok_or_else(|| {
                    format!("cancel_when must be \"at_once\" or {{\"stage\": …}}, got {when}")
                })?;
                seen = wait_for_stage(&op, stage)?;
                op.cancel();
            }
        }
        let outcome = op
            .wait(Some(STEP_LIMIT))
            .ok_or_else(|| format!("the operation did not finish within {STEP_LIMIT:?}"))?;
        let progress = serde_json::to_value(&seen).map_err(|e| e.to_string())?;
        expect::check(expect, &outcome)?;
        self.save(step.get("save"), &outcome)?;
        self.save(step.get("save_progress"), &Ok(progress))
    }

    fn save(&mut self, save: Option<&Value>, outcome: &Result<Value, Error>) -> Result<(), String> {
        let Some(save) = save else { return Ok(()) };
        let save = save.as_object().ok_or("`save` must be an object")?;
        let value = outcome
            .as_ref()
            .map_err(|e| format!("nothing to save: the call failed ({e})"))?;
        for (name, path) in save {
            let path = path.as_str().ok_or("a `save` path must be a string")?;
            self.vars.insert(name.clone(), at_path(value, path)?);
        }
        Ok(())
    }
}

fn wait_done(op: &Operation<Value>) -> Result<(), String> {
    if op.wait_until_done(Some(STEP_LIMIT)) {
        Ok(())
    } else {
        Err(format!(
            "the operation did not finish within {STEP_LIMIT:?}"
        ))
    }
}

fn wait_for_stage(op: &Operation<Value>, stage: &str) -> Result<renderiq_sdk::Progress, String> {
    let started = Instant::now();
    loop {
        let p = op.progress();
        if p.stage.as_deref() == Some(stage) {
            return Ok(p);
        }
        if op.is_done() {
            let outcome = op.outcome().map(|o| o.map_err(|e| e.to_string()));
            return Err(format!(
                "the operation finished before reaching stage {stage:?} (last stage {:?}): {outcome:?}",
                p.stage
            ));
        }
        if started.elapsed() > STEP_LIMIT {
            return Err(format!("stage {stage:?} not reached within {STEP_LIMIT:?}"));
        }
        std::thread::sleep(POLL);
    }
}

/// A `verify_webhook` step: the typed verify entry, then (with `"event": true`) the event.
fn verify_webhook(spec: &Value) -> Result<Result<Value, Error>, String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        match spec.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(format!("`{key}` must be a string, got {other}")),
        }
    };
    let secret = text("secret")?.ok_or("verify_webhook needs a `secret`")?;
    let body = text("body")?.ok_or("verify_webhook needs a `body`")?;
    let now = spec
        .get("now")
        .and_then(Value::as_i64)
        .ok_or("verify_webhook needs `now` (unix seconds)")?;
    let mut headers = Vec::new();
    for (name, key) in [
        (webhooks::HEADER_ID, "id"),
        (webhooks::HEADER_TIMESTAMP, "timestamp"),
        (webhooks::HEADER_SIGNATURE, "signature"),
    ] {
        if let Some(v) = text(key)? {
            headers.push((name, v));
        }
    }
    let event = spec.get("event").and_then(Value::as_bool) == Some(true);
    let outcome = (|| {
        let mut webhook = Webhook::new(&secret)?;
        if let Some(t) = spec.get("tolerance_s").and_then(Value::as_u64) {
            webhook = webhook.tolerance(Duration::from_secs(t));
        }
        let pairs = headers.iter().map(|(k, v)| (*k, v.as_str()));
        let _verified = webhook.verify_at(body.as_bytes(), pairs, now)?;
        if event {
            let parsed = webhooks::parse_event(body.as_bytes())?;
            Ok(serde_json::to_value(parsed).unwrap_or(Value::Null))
        } else {
            Ok(Value::String(body.clone()))
        }
    })();
    Ok(outcome)
}
