-- Pricing inquiries of resellers and their lines. Quotes and orders come with the quote step.

CREATE TABLE inquiries (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    reference            TEXT    NOT NULL UNIQUE,
    reseller_id          BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    end_customer_id      BIGINT  NOT NULL REFERENCES end_customers (id),
    distributor_id       BIGINT  NOT NULL REFERENCES organisations (id),
    deal_registration_id BIGINT  NULL REFERENCES deal_registrations (id),
    status               TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'quoted', 'accepted', 'declined', 'expired')),
    author_id            BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at           BIGINT  NOT NULL,
    submitted_at         BIGINT  NULL,
    submitted_on         TEXT    NULL,
    -- Bumped by every change, so that two people saving the same inquiry cannot overwrite
    -- each other unseen.
    version              BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX inquiries_reseller ON inquiries (reseller_id, status);
CREATE INDEX inquiries_distributor ON inquiries (distributor_id, status);

CREATE TABLE inquiry_lines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    inquiry_id  BIGINT  NOT NULL REFERENCES inquiries (id) ON DELETE CASCADE,
    entered     TEXT    NOT NULL,
    months      BIGINT  NULL,
    legacy_sku  TEXT    NULL,
    sku         TEXT    NOT NULL,
    family      TEXT    NOT NULL,
    description TEXT    NOT NULL,
    quantity    BIGINT  NOT NULL CHECK (quantity > 0),
    unit_msrp   BIGINT  NOT NULL
);
CREATE INDEX inquiry_lines_inquiry ON inquiry_lines (inquiry_id);
