-- Contact roles (who gets which notices), the mail outbox, and single-use unsubscribe tokens.

CREATE TABLE contact_roles (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT   NOT NULL CHECK (role IN ('renewals', 'new_leads', 'deal_registration', 'partner_program',
                                            'marketing', 'quotes')),
    PRIMARY KEY (user_id, role)
);

-- Mail is written here in the same transaction as the change that causes it, then sent by
-- the delivery worker. dedupe_key (event + recipient) makes a repeated event mail once.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key       TEXT    NOT NULL UNIQUE,
    kind             TEXT    NOT NULL,
    to_address       TEXT    NOT NULL,
    to_name          TEXT    NOT NULL DEFAULT '',
    subject          TEXT    NOT NULL,
    text_body        TEXT    NOT NULL,
    html_body        TEXT    NOT NULL,
    unsubscribe_url  TEXT    NULL,
    status           TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'dead')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    lease_until      BIGINT  NULL,
    last_error       TEXT    NULL,
    message_id       TEXT    NULL,
    created_at       BIGINT  NOT NULL,
    sent_at          BIGINT  NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE unsubscribe_tokens (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT NULL
);
