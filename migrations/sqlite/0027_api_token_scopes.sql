-- API token scopes and expiry (issue 17): what a token may do, space-separated
-- (schedules:read, orders:read, orders:write, quotes:read, quotes:write, catalogue:read), and
-- when it stops working (NULL: never). Tokens made before keep what they could do: translate
-- SKUs and read the catalogue.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'catalogue:read';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NULL;
