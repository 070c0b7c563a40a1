-- The catalogue (families and their size bands), one price book per currency with prices in
-- integer cents, the legacy SKU translation table, and API tokens for distributors' systems.
-- Dates are ISO text (YYYY-MM-DD) so that they compare as text on both databases.

CREATE TABLE product_families (
    code            TEXT   PRIMARY KEY CHECK (LENGTH(code) = 6),
    name            TEXT   NOT NULL,
    kind            TEXT   NOT NULL CHECK (kind IN ('subscription', 'hardware')),
    unit            TEXT   NOT NULL,
    warranty_months BIGINT NULL
);

CREATE TABLE catalogue_items (
    family       TEXT NOT NULL REFERENCES product_families (code),
    band         TEXT NOT NULL CHECK (LENGTH(band) = 3),
    description  TEXT NOT NULL,
    active_from  TEXT NOT NULL,
    active_until TEXT NULL,
    PRIMARY KEY (family, band)
);

CREATE TABLE price_books (
    currency TEXT PRIMARY KEY CHECK (LENGTH(currency) = 3),
    name     TEXT NOT NULL
);

-- Subscriptions: msrp_12/24/36 per unit (other terms are computed); MSP: msrp_monthly per
-- unit and month; hardware: msrp_hardware per appliance.
CREATE TABLE prices (
    currency      TEXT   NOT NULL REFERENCES price_books (currency),
    family        TEXT   NOT NULL,
    band          TEXT   NOT NULL,
    msrp_12       BIGINT NULL,
    msrp_24       BIGINT NULL,
    msrp_36       BIGINT NULL,
    msrp_monthly  BIGINT NULL,
    msrp_hardware BIGINT NULL,
    PRIMARY KEY (currency, family, band),
    FOREIGN KEY (family, band) REFERENCES catalogue_items (family, band)
);

-- legacy_sku is normalised (upper case, no spaces or dashes); new_sku is a valid 14-character
-- SKU; for a 1-month legacy SKU it is the term-01 SKU.
CREATE TABLE legacy_skus (
    legacy_sku TEXT   PRIMARY KEY,
    new_sku    TEXT   NOT NULL CHECK (LENGTH(new_sku) = 14),
    one_month  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id       BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    created_by   BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT  NULL,
    revoked_at   BIGINT  NULL
);
CREATE INDEX api_tokens_org ON api_tokens (org_id);
