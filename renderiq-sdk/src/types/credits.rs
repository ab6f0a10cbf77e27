//! The credit balance and its ledger.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Credit balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Credits {
    /// Credits available now.
    pub balance: i64,
    /// Credits ever granted.
    pub total_earned: i64,
    /// Credits ever spent (net of refunds).
    pub total_spent: i64,
}

wire_enum! {
    /// Kind of ledger entry.
    pub enum TransactionType("transaction type") {
        /// Credits granted.
        Grant = "grant",
        /// Credits spent on a render.
        Spend = "spend",
        /// Credits returned for a failed or cancelled render.
        Refund = "refund",
    }
}

/// One entry of the credit ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditTransaction {
    /// Entry id.
    pub id: String,
    /// Signed amount: positive for grants and refunds, negative for spends.
    pub amount: i64,
    /// Kind.
    #[serde(rename = "type")]
    pub kind: TransactionType,
    /// Render id or other reference.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Balance after this entry.
    pub balance_after: i64,
    /// Time.
    pub created_at: DateTime<Utc>,
}
