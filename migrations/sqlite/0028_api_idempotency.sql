-- Idempotency keys of the partner API's writes (issue 17): the first answer to a key is kept
-- with the hash of the request it answered, so the same request sent again gets that answer
-- (and places nothing twice) and another request under the same key is refused.
CREATE TABLE api_idempotency (
    org_id       BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    idem_key     TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    status       BIGINT NOT NULL,
    response     TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, idem_key)
);
