-- Organisations, users, server-side sessions, the audit log and settings.
-- Portable conventions (shared with migrations/postgres): ids and flags are 64-bit integers,
-- timestamps are UTC Unix seconds, dates are ISO text, money is integer cents.

CREATE TABLE organisations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL CHECK (kind IN ('vendor', 'distributor', 'reseller')),
    name          TEXT    NOT NULL,
    partner_level TEXT    NULL CHECK (partner_level IN ('authorized', 'silver', 'gold', 'platinum')),
    cam_user_id   BIGINT  NULL,
    is_msp        BIGINT  NOT NULL DEFAULT 0,
    currency      TEXT    NOT NULL DEFAULT 'USD',
    created_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX organisations_name_key ON organisations (LOWER(name));
CREATE UNIQUE INDEX organisations_one_vendor ON organisations (kind) WHERE kind = 'vendor';
CREATE INDEX organisations_kind ON organisations (kind, name);

CREATE TABLE reseller_distributors (
    reseller_id    BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    distributor_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (reseller_id, distributor_id)
);
CREATE INDEX reseller_distributors_distributor ON reseller_distributors (distributor_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('vendor_admin', 'channel_manager', 'distributor_admin',
                                                   'distributor_staff', 'reseller_admin', 'reseller_user')),
    disabled      BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    last_login_at BIGINT  NULL
);
CREATE INDEX users_org ON users (org_id, display_name);

CREATE TABLE sessions (
    id         TEXT   PRIMARY KEY,
    user_id    BIGINT NULL REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            BIGINT  NOT NULL,
    actor_user_id BIGINT  NULL,
    actor_email   TEXT    NULL,
    org_id        BIGINT  NULL,
    action        TEXT    NOT NULL,
    subject       TEXT    NOT NULL DEFAULT '',
    detail        TEXT    NOT NULL DEFAULT '',
    ip            TEXT    NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
