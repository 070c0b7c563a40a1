-- End customers of resellers, the discount rules (partner program by level and family, deal
-- registration by family, promotions) and deal registrations. Percentages are basis points.

CREATE TABLE end_customers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id   BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    contact_name  TEXT    NOT NULL,
    contact_email TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE UNIQUE INDEX end_customers_name ON end_customers (reseller_id, LOWER(name));

CREATE TABLE program_discounts (
    partner_level TEXT   NOT NULL CHECK (partner_level IN ('authorized', 'silver', 'gold', 'platinum')),
    family        TEXT   NOT NULL,
    bp            BIGINT NOT NULL CHECK (bp BETWEEN 0 AND 10000),
    PRIMARY KEY (partner_level, family)
);

CREATE TABLE deal_registration_discounts (
    family TEXT   PRIMARY KEY,
    bp     BIGINT NOT NULL CHECK (bp BETWEEN 0 AND 10000)
);

-- families: comma-separated family codes; empty means every family.
CREATE TABLE promotions (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    code     TEXT    NOT NULL UNIQUE,
    families TEXT    NOT NULL DEFAULT '',
    bp       BIGINT  NOT NULL CHECK (bp BETWEEN 0 AND 10000),
    starts   TEXT    NOT NULL,
    ends     TEXT    NOT NULL
);

CREATE TABLE deal_registrations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reference       TEXT    NOT NULL UNIQUE,
    reseller_id     BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    end_customer_id BIGINT  NOT NULL REFERENCES end_customers (id),
    distributor_id  BIGINT  NOT NULL REFERENCES organisations (id),
    estimated_msrp  BIGINT  NOT NULL,
    expected_close  TEXT    NOT NULL,
    notes           TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'expired')),
    submitted_by    BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    submitted_at    BIGINT  NOT NULL,
    decided_by      BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    decided_at      BIGINT  NULL,
    reason          TEXT    NULL,
    valid_from      TEXT    NULL,
    valid_until     TEXT    NULL
);
CREATE INDEX deal_registrations_reseller ON deal_registrations (reseller_id, status);

CREATE TABLE deal_registration_families (
    deal_id BIGINT NOT NULL REFERENCES deal_registrations (id) ON DELETE CASCADE,
    family  TEXT   NOT NULL,
    PRIMARY KEY (deal_id, family)
);
