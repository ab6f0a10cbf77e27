//! `/health`: no authentication; tells whether the database answers and that long-poll exists.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use renderiq_sdk::types::Health;

use super::{ok, ApiResult, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/health", get(get_health))
}

/// Service health: `status` is `ok`, or `degraded` when the database does not answer.
#[utoipa::path(
    get, path = "/api/plugins/health", tag = "health",
    responses((status = 200, description = "Health", body = renderiq_sdk::types::Envelope<Health>))
)]
pub async fn get_health(State(state): State<AppState>) -> ApiResult<Health> {
    let db_ok = state.store.ping().await.is_ok();
    ok(Health {
        status: if db_ok { "ok" } else { "degraded" }.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: if db_ok { "ok" } else { "unreachable" }.to_owned(),
        long_poll: true,
        time: Utc::now(),
    })
}
