CREATE TABLE login_throttle (
    bucket TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle(last_at);
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN read_only BIGINT NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = {NOW_MS} + 7776000000;
CREATE INDEX api_tokens_user ON api_tokens(user_id)
