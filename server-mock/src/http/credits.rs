//! `/credits`: balance and ledger, read through [`crate::store::credits`] (which keeps the
//! ledger summing to the balance).

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use renderiq_sdk::types::{CreditTransaction, Credits, ErrorBody, Page};
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{ApiQuery, Auth, ReadCredits};
use super::{ok, page_bounds, ApiResult, AppState};
use crate::store;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/credits", get(get_credits))
        .route("/credits/transactions", get(list_transactions))
}

/// `?page=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Page size (default 20, at most 100).
    pub limit: Option<u32>,
}

/// The caller's balance, credits ever granted and credits spent net of refunds.
#[utoipa::path(
    get, path = "/api/plugins/credits", tag = "credits",
    security(("bearer" = []), ("apiKey" = ["credits:read"])),
    responses(
        (status = 200, description = "Balance", body = renderiq_sdk::types::Envelope<Credits>),
        (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorBody),
    )
)]
pub async fn get_credits(
    State(state): State<AppState>,
    auth: Auth<ReadCredits>,
) -> ApiResult<Credits> {
    ok(store::credits::balance(&state.store, &auth.user_id).await?)
}

/// The caller's ledger, newest first.
#[utoipa::path(
    get, path = "/api/plugins/credits/transactions", tag = "credits",
    security(("bearer" = []), ("apiKey" = ["credits:read"])),
    params(PageQuery),
    responses(
        (status = 200, description = "Ledger page", body = renderiq_sdk::types::Envelope<Page<CreditTransaction>>),
        (status = 400, description = "INVALID_INPUT", body = ErrorBody),
    )
)]
pub async fn list_transactions(
    State(state): State<AppState>,
    auth: Auth<ReadCredits>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Page<CreditTransaction>> {
    let (page, limit) = page_bounds(query.page, query.limit)?;
    ok(store::credits::transactions(&state.store, &auth.user_id, page, limit).await?)
}
