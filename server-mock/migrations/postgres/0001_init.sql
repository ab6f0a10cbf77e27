-- Renderiq reference server on PostgreSQL: the schema of migrations/sqlite/0001…0004 in one
-- file, in the shared subset the store's queries are written in (src/store/sql.rs):
-- integers are BIGINT, booleans BIGINT 0/1, timestamps TEXT in one fixed UTC format with the
-- "C" collation (so they compare as in SQLite), each table has a rowid (an identity column)
-- that orders rows by insertion. Never edit a released migration: add NNNN_name.sql.

CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    rowid           BIGINT GENERATED ALWAYS AS IDENTITY,
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT,
    password_hash   TEXT NOT NULL,
    callback_secret TEXT NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX users_email_lower ON users(lower(email));

CREATE TABLE refresh_tokens (
    rowid            BIGINT GENERATED ALWAYS AS IDENTITY,
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family_id        TEXT NOT NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    created_at       TEXT COLLATE "C" NOT NULL,
    expires_at       TEXT COLLATE "C" NOT NULL,
    used_at          TEXT COLLATE "C",
    revoked_at       TEXT COLLATE "C",
    successor_sealed BYTEA
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_sealed ON refresh_tokens(used_at) WHERE successor_sealed IS NOT NULL;

CREATE TABLE api_keys (
    rowid        BIGINT GENERATED ALWAYS AS IDENTITY,
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    expires_at   TEXT COLLATE "C",
    last_used_at TEXT COLLATE "C",
    revoked_at   TEXT COLLATE "C"
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE projects (
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY,
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL,
    description TEXT,
    platform    TEXT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    UNIQUE (user_id, slug)
);

CREATE TABLE user_credits (
    user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    balance      BIGINT NOT NULL DEFAULT 0 CHECK (balance >= 0),
    total_earned BIGINT NOT NULL DEFAULT 0,
    total_spent  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE credit_transactions (
    rowid         BIGINT GENERATED ALWAYS AS IDENTITY,
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount        BIGINT NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('grant', 'spend', 'refund')),
    reference_id  TEXT,
    description   TEXT,
    balance_after BIGINT NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX credit_transactions_user ON credit_transactions(user_id);
CREATE UNIQUE INDEX credit_transactions_once ON credit_transactions(reference_id, type)
    WHERE reference_id IS NOT NULL AND type IN ('spend', 'refund');

CREATE TABLE user_settings (
    user_id              TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    default_style        TEXT NOT NULL,
    default_quality      TEXT NOT NULL,
    default_aspect_ratio TEXT NOT NULL,
    default_project_id   TEXT,
    notify_on_complete   BIGINT NOT NULL
);

CREATE TABLE renders (
    rowid        BIGINT GENERATED ALWAYS AS IDENTITY,
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id   TEXT REFERENCES projects(id),
    status       TEXT NOT NULL
        CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
    progress     BIGINT NOT NULL DEFAULT 0,
    prompt       TEXT,
    style        TEXT NOT NULL,
    quality      TEXT NOT NULL,
    aspect_ratio TEXT NOT NULL,
    credits_cost BIGINT NOT NULL,
    input_path   TEXT NOT NULL,
    output_path  TEXT,
    error        TEXT,
    callback_url TEXT,
    platform     TEXT NOT NULL,
    metadata     TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT COLLATE "C" NOT NULL,
    updated_at   TEXT COLLATE "C" NOT NULL,
    completed_at TEXT COLLATE "C"
);
CREATE INDEX renders_user ON renders(user_id);
CREATE INDEX renders_status ON renders(status);
CREATE INDEX renders_rowid ON renders(rowid);

CREATE TABLE idempotency_keys (
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   BIGINT NOT NULL,
    response_body BYTEA NOT NULL,
    render_id     TEXT,
    created_at    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE webhooks (
    rowid            BIGINT GENERATED ALWAYS AS IDENTITY,
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,
    secret           TEXT NOT NULL,
    active           BIGINT NOT NULL DEFAULT 1,
    failure_count    BIGINT NOT NULL DEFAULT 0,
    created_at       TEXT COLLATE "C" NOT NULL,
    last_delivery_at TEXT COLLATE "C"
);
CREATE INDEX webhooks_user ON webhooks(user_id);

CREATE TABLE webhook_deliveries (
    rowid       BIGINT GENERATED ALWAYS AS IDENTITY,
    id          TEXT PRIMARY KEY,
    webhook_id  TEXT,
    user_id     TEXT NOT NULL,
    render_id   TEXT,
    url         TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    attempt     BIGINT NOT NULL,
    status_code BIGINT,
    error       TEXT,
    success     BIGINT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id);
CREATE INDEX webhook_deliveries_render ON webhook_deliveries(render_id);

CREATE TABLE webhook_outbox (
    rowid           BIGINT GENERATED ALWAYS AS IDENTITY,
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    render_id       TEXT NOT NULL,
    url             TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    payload         BYTEA NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt_at);
