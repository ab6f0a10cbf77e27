-- Refresh grace window (issue 11): a rotated refresh token keeps its successor, sealed
-- (XChaCha20-Poly1305, see src/http/token_seal.rs), for --refresh-grace-seconds, so that the same
-- token presented again within the window gets the same successor. Erased once the window passes.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed BLOB;
CREATE INDEX refresh_tokens_sealed ON refresh_tokens(used_at) WHERE successor_sealed IS NOT NULL;
