-- Not-for-resale allotments per partner level (12 months, zero-dollar), the grant a reseller
-- gets once when it joins, NFR requests routed to the reseller's CAM, and MSP monthly usage.

CREATE TABLE nfr_allotments (
    partner_level TEXT   NOT NULL CHECK (partner_level IN ('authorized', 'silver', 'gold', 'platinum')),
    family        TEXT   NOT NULL,
    band          TEXT   NOT NULL,
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (partner_level, family, band)
);

-- One row per reseller: it joined (was created with a level, or got its first level) and
-- received its allotment as an order processed on the joining date.
CREATE TABLE nfr_grants (
    reseller_id   BIGINT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    partner_level TEXT   NOT NULL,
    joined_on     TEXT   NOT NULL,
    order_id      BIGINT NULL REFERENCES orders (id),
    created_at    BIGINT NOT NULL
);

CREATE TABLE nfr_requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reference       TEXT    NOT NULL UNIQUE,
    reseller_id     BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    requested_by    BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    -- The distributor that filed it on the reseller's behalf, if one did.
    on_behalf_of    BIGINT  NULL REFERENCES organisations (id),
    justification   TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    reason          TEXT    NULL,
    decided_by      BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    decided_at      BIGINT  NULL,
    order_id        BIGINT  NULL REFERENCES orders (id),
    created_at      BIGINT  NOT NULL
);
CREATE INDEX nfr_requests_reseller ON nfr_requests (reseller_id, id);

CREATE TABLE nfr_request_lines (
    request_id  BIGINT NOT NULL REFERENCES nfr_requests (id) ON DELETE CASCADE,
    line_no     BIGINT NOT NULL,
    sku         TEXT   NOT NULL,
    description TEXT   NOT NULL,
    quantity    BIGINT NOT NULL,
    PRIMARY KEY (request_id, line_no)
);

-- Monthly usage of an MSP: one row per month, end customer and SKU (reporting again
-- replaces the quantity until the vendor closes the month).
CREATE TABLE msp_usage (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id     BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    month           TEXT    NOT NULL,
    end_customer_id BIGINT  NOT NULL REFERENCES end_customers (id),
    sku             TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    quantity        BIGINT  NOT NULL CHECK (quantity >= 0),
    unit_msrp       BIGINT  NOT NULL,
    reported_by     BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    reported_at     BIGINT  NOT NULL
);
CREATE UNIQUE INDEX msp_usage_key ON msp_usage (reseller_id, month, end_customer_id, sku);

CREATE TABLE msp_closed_months (
    month     TEXT   PRIMARY KEY,
    closed_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    closed_at BIGINT NOT NULL
);
