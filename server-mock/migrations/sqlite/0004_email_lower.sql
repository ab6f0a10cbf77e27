-- Sign-in looks a user up by lower(email) = lower(?), the form both backends share (PostgreSQL
-- has no NOCASE collation); this index answers it without a scan.
CREATE INDEX users_email_lower ON users(lower(email));
