//! A 429's `Retry-After`, in seconds and as an HTTP date, honoured by the retry loop: the retry
//! is sent no earlier than the server asked. Lower bounds only.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// How the first answer's `Retry-After` is written.
#[derive(Clone, Copy)]
enum Hint {
    Seconds(u64),
    /// An IMF-fixdate this many seconds after the request arrived (whole seconds, so the real
    /// hint is up to one second shorter).
    DateIn(u64),
}

/// Answers the first request with a 429 and the hint, the next ones with the balance; records
/// when each request arrived and the date the hint named.
/// Clones share the record.
#[derive(Clone)]
struct RateLimitOnce {
    hint: Hint,
    arrivals: Arc<Mutex<Vec<(Instant, SystemTime)>>>,
    named_date: Arc<Mutex<Option<SystemTime>>>,
}

impl Respond for RateLimitOnce {
    fn respond(&self, _req: &Request) -> ResponseTemplate {
        let mut arrivals = self.arrivals.lock().unwrap();
        let now = SystemTime::now();
        arrivals.push((Instant::now(), now));
        if arrivals.len() > 1 {
            return ok(credits_json(5));
        }
        let value = match self.hint {
            Hint::Seconds(s) => s.to_string(),
            Hint::DateIn(s) => {
                let text = httpdate::fmt_http_date(now + Duration::from_secs(s));
                *self.named_date.lock().unwrap() = Some(httpdate::parse_http_date(&text).unwrap());
                text
            }
        };
        api_error(429, "RATE_LIMIT_EXCEEDED", json!({})).insert_header("retry-after", value)
    }
}

async fn rate_limited_once(hint: Hint) -> RateLimitOnce {
    let server = MockServer::start().await;
    let responder = RateLimitOnce {
        hint,
        arrivals: Arc::default(),
        named_date: Arc::default(),
    };
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(responder.clone())
        .mount(&server)
        .await;
    // The support client retries after 10 ms on its own: a retry a second later is the hint's.
    let (client, _) = signed_in_client(&server, "a", 3600).await;
    assert_eq!(client.credits().await.unwrap().balance, 5);
    assert_eq!(responder.arrivals.lock().unwrap().len(), 2, "one retry");
    responder
}

#[tokio::test]
async fn a_429_with_retry_after_in_seconds_is_retried_no_earlier_than_the_hint() {
    let r = rate_limited_once(Hint::Seconds(1)).await;
    let arrivals = r.arrivals.lock().unwrap();
    let gap = arrivals[1].0.duration_since(arrivals[0].0);
    assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
}

#[tokio::test]
async fn a_429_with_retry_after_as_an_http_date_is_retried_no_earlier_than_that_date() {
    let r = rate_limited_once(Hint::DateIn(2)).await;
    let arrivals = r.arrivals.lock().unwrap();
    let date = r.named_date.lock().unwrap().expect("the hint was a date");
    // The date was 1–2 s ahead when it was sent.
    let gap = arrivals[1].0.duration_since(arrivals[0].0);
    assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
    // And the retry came at or after that wall-clock time (a few ms allowed for the clocks'
    // granularity).
    let retried_at = arrivals[1].1;
    assert!(
        retried_at + Duration::from_millis(5) >= date,
        "retried {:?} before the date in Retry-After",
        date.duration_since(retried_at).unwrap_or_default()
    );
}
