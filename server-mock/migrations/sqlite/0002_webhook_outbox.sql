-- Deliveries not finished yet. A row is written in the same transaction that ends the render,
-- so no event is lost to a crash; it is deleted when the delivery succeeds or runs out of
-- attempts. A restart resumes every row where it stopped, with the same message id.
CREATE TABLE webhook_outbox (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT,               -- NULL for a render's own callbackUrl
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    render_id       TEXT NOT NULL,
    url             TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    payload         BLOB NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,   -- Unix time in milliseconds
    created_at      TEXT NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt_at);
