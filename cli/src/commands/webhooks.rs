//! `webhooks register|list|delete` and `webhook verify`.

use std::io::Read;
use std::path::Path;

use renderiq_sdk::types::{events, Event};
use renderiq_sdk::webhooks::{self, Webhook, HEADER_ID, HEADER_TIMESTAMP};

use crate::args::{VerifyArgs, WebhookCommand, WebhooksCommand};
use crate::error::CliError;
use crate::output::{self, Report};

use super::Ctx;

pub async fn manage(ctx: &Ctx, cmd: WebhooksCommand) -> Result<Report, CliError> {
    let client = ctx.client()?;
    Ok(match cmd {
        WebhooksCommand::Register {
            url,
            events: chosen,
        } => {
            let chosen: Vec<&str> = if chosen.is_empty() {
                events::ALL.to_vec()
            } else {
                chosen
                    .iter()
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            output::created_webhook(&client.register_webhook(&url, &chosen).await?)
        }
        WebhooksCommand::List => output::webhooks(&client.webhooks().await?),
        WebhooksCommand::Delete(a) => {
            client.delete_webhook(&a.id).await?;
            output::removed("webhook", &a.id)
        }
    })
}

pub async fn delivery(cmd: WebhookCommand) -> Result<Report, CliError> {
    let WebhookCommand::Verify(args) = cmd;
    // Reading files and stdin is blocking; it is small, and nothing else runs meanwhile.
    verify(args)
}

/// A captured delivery: its headers, and its body when the headers file was a full HTTP dump.
#[derive(Debug, Default, PartialEq)]
pub struct Dump {
    /// `(name, value)` pairs in file order.
    pub headers: Vec<(String, String)>,
    /// Everything after the blank line that ends the headers, if anything.
    pub body: Option<Vec<u8>>,
}

/// Parses a headers file: a JSON object (`{"webhook-id": "…", …}`), or `name: value` lines as in
/// an HTTP dump. A request or status line is skipped; a blank line ends the headers and what
/// follows is the body.
///
/// # Errors
///
/// A line that is not a header, or a JSON value that is not an object of strings.
pub fn parse_headers_file(raw: &[u8]) -> Result<Dump, String> {
    let text_start = raw
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(raw.len());
    if raw.get(text_start) == Some(&b'{') {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(raw)
            .map_err(|e| format!("the headers file looks like JSON but is not an object: {e}"))?;
        let mut headers = Vec::new();
        for (name, value) in map {
            match value {
                serde_json::Value::String(s) => headers.push((name, s)),
                serde_json::Value::Array(items) => {
                    for item in items {
                        let s = item.as_str().ok_or_else(|| {
                            format!("header {name:?} has a value that is not a string")
                        })?;
                        headers.push((name.clone(), s.to_owned()));
                    }
                }
                other => headers.push((name, other.to_string())),
            }
        }
        return Ok(Dump {
            headers,
            body: None,
        });
    }

    let mut dump = Dump::default();
    let mut rest = raw;
    let mut line_no = 0;
    let mut seen_header = false;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        line_no += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            if seen_header {
                // End of the headers; the rest, if any, is the body, byte for byte.
                if !rest.is_empty() {
                    dump.body = Some(rest.to_vec());
                }
                break;
            }
            continue;
        }
        let text = std::str::from_utf8(line)
            .map_err(|_| format!("line {line_no} of the headers file is not UTF-8"))?;
        if text.starts_with('#') {
            continue;
        }
        if (!seen_header && text.contains(" HTTP/")) || text.starts_with("HTTP/") {
            continue; // request line (`POST /hook HTTP/1.1`) or status line
        }
        let header = crate::args::parse_header(text)
            .map_err(|e| format!("line {line_no} of the headers file: {e}"))?;
        dump.headers.push(header);
        seen_header = true;
    }
    Ok(dump)
}

fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::io(format_args!("cannot read {}", path.display()), e))
}

fn read_stdin() -> Result<Vec<u8>, CliError> {
    let mut body = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut body)
        .map_err(|e| CliError::io("cannot read standard input", e))?;
    Ok(body)
}

fn verify(args: VerifyArgs) -> Result<Report, CliError> {
    let webhook = Webhook::new(&args.secret)?;
    let mut headers = Vec::new();
    let mut dumped_body = None;
    if let Some(path) = &args.headers_file {
        let raw = if path.as_os_str() == "-" {
            read_stdin()?
        } else {
            read_file(path)?
        };
        let dump = parse_headers_file(&raw).map_err(|m| CliError::failure("invalid_input", m))?;
        headers.extend(dump.headers);
        dumped_body = dump.body;
    }
    headers.extend(args.headers);

    let body = match (args.body_file.as_deref(), dumped_body) {
        (Some("-"), _)
            if args
                .headers_file
                .as_deref()
                .is_some_and(|p| p.as_os_str() == "-") =>
        {
            return Err(CliError::usage(
                "--headers-file - and --body-file - cannot both read standard input",
            ));
        }
        (Some("-"), _) => read_stdin()?,
        (Some(path), _) => read_file(Path::new(path))?,
        (None, Some(body)) => body,
        (None, None)
            if args
                .headers_file
                .as_deref()
                .is_some_and(|p| p.as_os_str() == "-") =>
        {
            return Err(CliError::usage(
                "the headers came from standard input without a body after them: pass --body-file FILE",
            ));
        }
        (None, None) => read_stdin()?,
    };

    let pairs = || headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let now = args.now.unwrap_or_else(|| chrono::Utc::now().timestamp());
    let payload: &[u8] = match webhook.verify_at(&body, pairs(), now) {
        Ok(verified) => verified,
        Err(e) => {
            // A shell or editor often adds a final newline to a saved body; the sender did not
            // sign it. Accept the body without it when that is what verifies.
            let trimmed = body
                .strip_suffix(b"\n")
                .map(|b| b.strip_suffix(b"\r").unwrap_or(b));
            match trimmed {
                Some(t)
                    if e.error_code() == Some("WEBHOOK_BAD_SIGNATURE")
                        && webhook.verify_at(t, pairs(), now).is_ok() =>
                {
                    t
                }
                _ => return Err(e.into()),
            }
        }
    };

    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    };
    let msg_id = find(HEADER_ID).unwrap_or_default();
    let timestamp = find(HEADER_TIMESTAMP)
        .and_then(|t| t.parse().ok())
        .unwrap_or_default();
    let event = webhooks::parse_event(payload).ok();
    Ok(output::verified_delivery(
        msg_id,
        timestamp,
        event.as_ref().and_then(Event::render_event),
        payload,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dump_gives_headers_and_exact_body() {
        let dump = parse_headers_file(
            b"POST /hooks HTTP/1.1\r\nHost: x\r\nwebhook-id: msg_1\r\nWebhook-Timestamp: 10\r\n\r\n{\"a\":1}",
        )
        .unwrap();
        assert_eq!(dump.headers.len(), 3);
        assert_eq!(dump.headers[1], ("webhook-id".into(), "msg_1".into()));
        assert_eq!(dump.body.as_deref(), Some(&b"{\"a\":1}"[..]));
    }

    #[test]
    fn header_lines_without_body_have_none() {
        let dump = parse_headers_file(b"\n# captured\nwebhook-id: m\nwebhook-signature: v1,abc=\n")
            .unwrap();
        assert_eq!(dump.headers.len(), 2);
        assert_eq!(dump.body, None);
    }

    #[test]
    fn json_headers_file_is_accepted() {
        let dump =
            parse_headers_file(br#"{"webhook-id": "m", "webhook-signature": ["v1,a", "v1,b"]}"#)
                .unwrap();
        assert_eq!(dump.headers.len(), 3);
    }

    #[test]
    fn garbage_line_is_reported_with_its_number() {
        let err = parse_headers_file(b"webhook-id: m\nnot a header\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }
}
