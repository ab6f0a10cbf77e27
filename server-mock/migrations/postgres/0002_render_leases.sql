-- Render leases: the worker that claims a render holds it until `lease_until` (Unix ms) and
-- renews it while it works; when a lease runs out (its server died) another instance takes the
-- render over. `attempts` counts the claims, so a render that keeps killing its server is failed
-- and refunded after `--render-max-attempts` instead of being taken over forever.
ALTER TABLE renders ADD COLUMN claimed_by TEXT;
ALTER TABLE renders ADD COLUMN lease_until BIGINT;
ALTER TABLE renders ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
UPDATE renders SET lease_until = 0 WHERE status = 'processing';
CREATE INDEX renders_lease ON renders(status, lease_until);
