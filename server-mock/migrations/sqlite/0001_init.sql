-- Renderiq reference server: initial schema.
-- Timestamps are TEXT in the form written by rusqlite's chrono support (UTC).
-- Never edit a released migration: add a new NNNN_name.sql instead.

CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name            TEXT,
    password_hash   TEXT NOT NULL,
    -- Signs deliveries to a render's own callbackUrl (GET /webhooks/callback-secret).
    callback_secret TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- Every token produced by rotating one sign-in shares the family; reuse revokes it whole.
    family_id  TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,          -- JSON array of scope names
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL,
    description TEXT,
    platform    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (user_id, slug)
);

CREATE TABLE user_credits (
    user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    balance      INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
    total_earned INTEGER NOT NULL DEFAULT 0,
    total_spent  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE credit_transactions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount        INTEGER NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('grant', 'spend', 'refund')),
    reference_id  TEXT,
    description   TEXT,
    balance_after INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX credit_transactions_user ON credit_transactions(user_id);
-- A render is charged once and refunded at most once.
CREATE UNIQUE INDEX credit_transactions_once ON credit_transactions(reference_id, type)
    WHERE reference_id IS NOT NULL AND type IN ('spend', 'refund');

CREATE TABLE user_settings (
    user_id              TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    default_style        TEXT NOT NULL,
    default_quality      TEXT NOT NULL,
    default_aspect_ratio TEXT NOT NULL,
    default_project_id   TEXT,
    notify_on_complete   INTEGER NOT NULL
);

CREATE TABLE renders (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id   TEXT REFERENCES projects(id),
    status       TEXT NOT NULL
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    progress     INTEGER NOT NULL DEFAULT 0,
    prompt       TEXT,
    style        TEXT NOT NULL,
    quality      TEXT NOT NULL,
    aspect_ratio TEXT NOT NULL,
    credits_cost INTEGER NOT NULL,
    input_path   TEXT NOT NULL,          -- relative to the storage root, served under /cdn/
    output_path  TEXT,
    error        TEXT,
    callback_url TEXT,
    platform     TEXT NOT NULL,
    metadata     TEXT NOT NULL DEFAULT '{}',  -- telemetry headers (JSON)
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    completed_at TEXT
);
CREATE INDEX renders_user ON renders(user_id);
CREATE INDEX renders_status ON renders(status);

CREATE TABLE idempotency_keys (
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body BLOB NOT NULL,
    render_id     TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE webhooks (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,      -- JSON array of event types
    secret           TEXT NOT NULL,      -- whsec_… (needed in clear to sign)
    active           INTEGER NOT NULL DEFAULT 1,
    failure_count    INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    last_delivery_at TEXT
);
CREATE INDEX webhooks_user ON webhooks(user_id);

-- Every delivery attempt, to a registered webhook (webhook_id set) or a render's callbackUrl.
CREATE TABLE webhook_deliveries (
    id          TEXT PRIMARY KEY,
    webhook_id  TEXT,
    user_id     TEXT NOT NULL,
    render_id   TEXT,
    url         TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT,
    success     INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id);
CREATE INDEX webhook_deliveries_render ON webhook_deliveries(render_id);
