-- Rate-limit buckets shared by the servers of one database (used on PostgreSQL; kept here so the
-- schemas stay alike): GCRA's theoretical arrival time per key, in microseconds since the epoch.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat INTEGER NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits(tat);
