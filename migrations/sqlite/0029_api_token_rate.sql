-- Each API token's rate (issue 17): how many requests a minute it may send before it is
-- answered 429 with Retry-After.
ALTER TABLE api_tokens ADD COLUMN per_minute BIGINT NOT NULL DEFAULT 600;
