-- Rate-limit buckets shared by the servers of one database: GCRA's theoretical arrival time per
-- key, in microseconds since the epoch. Unlogged: a crash forgets them, which only lets a burst
-- through, and saves a WAL write per request.
CREATE UNLOGGED TABLE rate_limits (
    key TEXT COLLATE "C" PRIMARY KEY,
    tat BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits(tat);
