-- The operator dashboard (issue 16). Each webhook delivery attempt keeps how long the target took,
-- the start of its answer, the signed headers sent, and the body, so an attempt can be replayed.
-- Attempts recorded before this migration have none of them (NULL).
ALTER TABLE webhook_deliveries ADD COLUMN latency_ms BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN response_excerpt TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN signed_timestamp BIGINT;
ALTER TABLE webhook_deliveries ADD COLUMN signature TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN payload BYTEA;
CREATE INDEX webhook_deliveries_created ON webhook_deliveries(created_at);
-- When a worker first took the render (the timeline's "processing" step); NULL before.
ALTER TABLE renders ADD COLUMN started_at TEXT COLLATE "C";
-- Users made admins (`renderiq-server user add --admin`) sign in to the dashboard.
ALTER TABLE users ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0;
