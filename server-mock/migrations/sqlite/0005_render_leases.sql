-- Render leases: the worker that claims a render holds it until `lease_until` (Unix ms) and
-- renews it while it works; when a lease runs out (its server died) another worker takes the
-- render over. `attempts` counts the claims, so a render that keeps killing its server is failed
-- and refunded after `--render-max-attempts` instead of being taken over forever.
ALTER TABLE renders ADD COLUMN claimed_by TEXT;
ALTER TABLE renders ADD COLUMN lease_until INTEGER;
ALTER TABLE renders ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
-- A render left processing by a server older than leases is taken over at once.
UPDATE renders SET lease_until = 0 WHERE status = 'processing';
CREATE INDEX renders_lease ON renders(status, lease_until);
