-- Webhooks (issue 17): an organisation's endpoints and the events each receives, and their
-- deliveries. A delivery is written in the transaction of the change that causes it (an
-- outbox of its own, beside the mail outbox) and sent by the webhook worker with the mail
-- outbox's retry schedule; dead after the last try, until someone retries it.
CREATE TABLE webhook_endpoints (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id           BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    url              TEXT   NOT NULL,
    description      TEXT   NOT NULL DEFAULT '',
    -- Comma-separated event types (order.placed, ...).
    events           TEXT   NOT NULL,
    -- The signing secret, kept in clear: the portal needs it to sign. After a rotation the
    -- previous one signs too, until previous_until, so receivers can switch without a gap.
    secret           TEXT   NOT NULL,
    previous_secret  TEXT   NULL,
    previous_until   BIGINT NULL,
    created_by       BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at       BIGINT NOT NULL,
    rotated_at       BIGINT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id      BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- The event's key and the endpoint: an event is delivered to an endpoint once.
    dedupe_key       TEXT   NOT NULL UNIQUE,
    -- Sent with every attempt, the same on each, for the receiver's dedupe.
    event_id         TEXT   NOT NULL,
    event_type       TEXT   NOT NULL,
    payload          TEXT   NOT NULL,
    status           TEXT   NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'delivered', 'dead')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT NULL,
    -- The last attempt's answer: its HTTP status, or why there was none.
    last_status      BIGINT NULL,
    last_error       TEXT   NULL,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
