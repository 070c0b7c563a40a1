-- Partner leads: assigned by the vendor or a channel account manager, or created by the
-- reseller itself. expires_on (last activity + 90 days) is kept so the sweep is one indexed
-- update; reminded_for holds the expires_on a reminder was sent for (once per period).
CREATE TABLE leads (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id      BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    company          TEXT    NOT NULL,
    contact_name     TEXT    NOT NULL,
    contact_email    TEXT    NOT NULL,
    interest         TEXT    NOT NULL DEFAULT '',
    source           TEXT    NOT NULL CHECK (source IN ('vendor', 'partner')),
    status           TEXT    NOT NULL CHECK (status IN ('new', 'contacted', 'qualified', 'won', 'lost', 'expired')),
    notes            TEXT    NOT NULL DEFAULT '',
    next_step        TEXT    NOT NULL DEFAULT '',
    created_by       BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at       BIGINT  NOT NULL,
    last_activity_on TEXT    NOT NULL,
    expires_on       TEXT    NOT NULL,
    reminded_for     TEXT    NULL,
    closed_on        TEXT    NULL
);
CREATE INDEX leads_reseller ON leads (reseller_id, status, id);
CREATE INDEX leads_expiry ON leads (status, expires_on);
CREATE INDEX leads_activity ON leads (last_activity_on, id);

-- Every change of a lead, newest last: who, when, what.
CREATE TABLE lead_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id BIGINT  NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    at      BIGINT  NOT NULL,
    user_id BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    summary TEXT    NOT NULL
);
CREATE INDEX lead_events_lead ON lead_events (lead_id, id);
