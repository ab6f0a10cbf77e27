//! A local HTTP peer that records webhook deliveries and can refuse the first ones.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use renderiq_sdk::types::WebhookEvent;
use renderiq_sdk::webhooks::Webhook;

use super::eventually;

#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Delivery {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    pub fn verify(&self, secret: &str) -> Result<WebhookEvent, String> {
        let webhook = Webhook::new(secret).map_err(|e| e.to_string())?;
        webhook
            .verify(
                &self.body,
                self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .map_err(|e| e.to_string())?;
        serde_json::from_slice(&self.body).map_err(|e| e.to_string())
    }
}

/// A local HTTP peer recording deliveries; answers 500 to the first `fail_first` requests.
/// The body of a failing answer (the dashboard shows the start of each answer).
pub const FAILING: &str = "receiver failing on purpose";

pub struct Receiver {
    pub url: String,
    pub deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Self {
        let deliveries: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let store = deliveries.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (store, seen) = (store.clone(), seen.clone());
                async move {
                    let headers = headers
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_owned(),
                                v.to_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect();
                    store.lock().unwrap().push(Delivery {
                        headers,
                        body: body.to_vec(),
                    });
                    if seen.fetch_add(1, Ordering::SeqCst) < fail_first {
                        (StatusCode::INTERNAL_SERVER_ERROR, FAILING)
                    } else {
                        (StatusCode::NO_CONTENT, "")
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, deliveries }
    }

    pub fn count(&self) -> usize {
        self.deliveries.lock().unwrap().len()
    }

    pub async fn wait_for(&self, n: usize) -> Vec<Delivery> {
        let deliveries = self.deliveries.clone();
        eventually(15, || {
            let d = deliveries.lock().unwrap();
            (d.len() >= n).then(|| d.clone())
        })
        .await
    }
}
