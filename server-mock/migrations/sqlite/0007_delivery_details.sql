-- What the dashboard shows of each webhook delivery attempt (issue 16): how long the target took,
-- the start of its answer, the signed headers sent, and the body, so an attempt can be replayed.
-- Attempts recorded before this migration have none of them (NULL).
ALTER TABLE webhook_deliveries ADD COLUMN latency_ms INTEGER;
ALTER TABLE webhook_deliveries ADD COLUMN response_excerpt TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN signed_timestamp INTEGER;
ALTER TABLE webhook_deliveries ADD COLUMN signature TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN payload BLOB;
CREATE INDEX webhook_deliveries_created ON webhook_deliveries(created_at);
