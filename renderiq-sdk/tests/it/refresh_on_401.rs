//! Single-flight refresh when many concurrent calls get a 401 at once, and the rotated refresh
//! token saved to the store before anything uses it.

// A failed unwrap is how a test, bench or example reports; the workspace lints forbid it in
// the library only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use renderiq_sdk::token_store::{Credential, MemoryStore, TokenStore};
use renderiq_sdk::Result;
use serde_json::json;
use support::*;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A memory store whose `save` can be held at a gate, so a test can look at what happens while
/// a refreshed session is being saved.
#[derive(Debug, Default)]
struct GatedStore {
    inner: MemoryStore,
    closed: Mutex<bool>,
    opened: Condvar,
    saves_started: AtomicUsize,
}

impl GatedStore {
    fn close(&self) {
        *self.closed.lock().unwrap() = true;
    }

    fn open(&self) {
        *self.closed.lock().unwrap() = false;
        self.opened.notify_all();
    }

    fn refresh_token(&self) -> Option<String> {
        self.inner
            .load()
            .unwrap()
            .and_then(|c| c.session().map(|s| s.refresh_token.expose().to_owned()))
    }
}

impl TokenStore for GatedStore {
    fn load(&self) -> Result<Option<Credential>> {
        self.inner.load()
    }

    fn save(&self, credential: &Credential) -> Result<()> {
        self.saves_started.fetch_add(1, Ordering::SeqCst);
        let mut closed = self.closed.lock().unwrap();
        while *closed {
            closed = self.opened.wait(closed).unwrap();
        }
        drop(closed);
        self.inner.save(credential)
    }

    fn clear(&self) -> Result<()> {
        self.inner.clear()
    }
}

/// `GET credits`: a 401 for `acc-1` (and for `acc-2` once `reject_acc2` is set), the balance
/// otherwise. For every request it records the refresh token the store held when it arrived.
#[derive(Clone)]
struct Credits(Arc<CreditsState>);

struct CreditsState {
    store: Arc<GatedStore>,
    reject_acc2: AtomicBool,
    seen: Mutex<Vec<(String, Option<String>)>>,
}

impl std::ops::Deref for Credits {
    type Target = CreditsState;
    fn deref(&self) -> &CreditsState {
        &self.0
    }
}

impl Respond for Credits {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let auth = header(req, "authorization").unwrap_or_default().to_owned();
        self.seen
            .lock()
            .unwrap()
            .push((auth.clone(), self.store.refresh_token()));
        let rejected = auth == "Bearer acc-1"
            || (auth == "Bearer acc-2" && self.reject_acc2.load(Ordering::SeqCst));
        if rejected {
            api_error(401, "AUTH_REQUIRED", json!({}))
        } else {
            ok(credits_json(7))
        }
    }
}

/// `POST auth/refresh`: records the refresh token the store held when each refresh arrived.
#[derive(Clone)]
struct Refresh {
    store: Arc<GatedStore>,
    answer: serde_json::Value,
    store_held: Arc<Mutex<Vec<Option<String>>>>,
}

impl Respond for Refresh {
    fn respond(&self, _req: &Request) -> ResponseTemplate {
        self.store_held
            .lock()
            .unwrap()
            .push(self.store.refresh_token());
        ok(self.answer.clone())
    }
}

#[tokio::test]
async fn twenty_concurrent_401s_cause_one_refresh_saved_before_its_tokens_are_used() {
    let server = MockServer::start().await;
    let store = Arc::new(GatedStore::default());
    // The token looks valid for an hour, so no call refreshes ahead of expiry: every refresh
    // here is one after a 401.
    store
        .inner
        .save(&stored("acc-1", "refresh-1", 3600))
        .unwrap();
    let credits = Credits(Arc::new(CreditsState {
        store: store.clone(),
        reject_acc2: AtomicBool::new(false),
        seen: Mutex::new(Vec::new()),
    }));
    Mock::given(method("GET"))
        .and(path(api("credits")))
        .respond_with(credits.clone())
        .mount(&server)
        .await;
    let first = Refresh {
        store: store.clone(),
        answer: session_json("acc-2", "refresh-2", 3600),
        store_held: Arc::default(),
    };
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .and(body_json(json!({"refreshToken": "refresh-1"})))
        .respond_with(first.clone())
        .mount(&server)
        .await;
    let second = Refresh {
        store: store.clone(),
        answer: session_json("acc-3", "refresh-3", 3600),
        store_held: Arc::default(),
    };
    Mock::given(method("POST"))
        .and(path(api("auth/refresh")))
        .and(body_json(json!({"refreshToken": "refresh-2"})))
        .respond_with(second.clone())
        .mount(&server)
        .await;
    let client = client_with_store(&server, store.clone());

    // Hold the refreshed session at the store's door until all twenty calls have had their 401
    // (and one more call has started), so the 401s certainly overlap the refresh.
    store.close();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.credits().await })
        })
        .collect();
    wait_until("twenty 401s and the refresh's save", || {
        credits.seen.lock().unwrap().len() == 20 && store.saves_started.load(Ordering::SeqCst) == 1
    })
    .await;
    // A call that starts while the new session is still being saved must not use its access
    // token yet: the rotated refresh token is not in the store.
    let late = {
        let c = client.clone();
        tokio::spawn(async move { c.credits().await })
    };
    wait_until("the late call's request", || {
        credits.seen.lock().unwrap().len() == 21
    })
    .await;
    store.open();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().balance, 7);
    }
    assert_eq!(late.await.unwrap().unwrap().balance, 7);

    assert_eq!(
        first.store_held.lock().unwrap().len(),
        1,
        "exactly one refresh"
    );
    let seen = credits.seen.lock().unwrap().clone();
    let acc1 = seen.iter().filter(|(a, _)| a == "Bearer acc-1").count();
    assert!(
        acc1 >= 20,
        "the twenty calls were sent with acc-1: {seen:?}"
    );
    for (auth, held) in &seen {
        if auth == "Bearer acc-2" {
            assert_eq!(
                held.as_deref(),
                Some("refresh-2"),
                "acc-2 was used before refresh-2 was saved: {seen:?}"
            );
        }
    }
    assert_eq!(
        seen.iter().filter(|(a, _)| a == "Bearer acc-2").count(),
        21,
        "every call was replayed once with the new token: {seen:?}"
    );

    // The next refresh sends the rotated token, which the store already held when it was sent.
    credits.reject_acc2.store(true, Ordering::SeqCst);
    assert_eq!(client.credits().await.unwrap().balance, 7);
    assert_eq!(
        *second.store_held.lock().unwrap(),
        [Some("refresh-2".to_owned())]
    );
    assert_eq!(store.refresh_token().as_deref(), Some("refresh-3"));
}
