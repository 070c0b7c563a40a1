-- Quotes (versions of the distributor's answer to an inquiry; older versions stay readable)
-- and the orders accepted quotes become.

CREATE TABLE quotes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    inquiry_id  BIGINT  NOT NULL REFERENCES inquiries (id) ON DELETE CASCADE,
    version     BIGINT  NOT NULL,
    created_by  BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT  NOT NULL,
    quote_date  TEXT    NOT NULL,
    valid_until TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    total_msrp  BIGINT  NOT NULL,
    total_net   BIGINT  NOT NULL,
    UNIQUE (inquiry_id, version)
);

-- steps: JSON list of the discount levels applied, in order, with percentage (basis points),
-- source, amount off and the price after it, exactly as priced.
CREATE TABLE quote_lines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    quote_id    BIGINT  NOT NULL REFERENCES quotes (id) ON DELETE CASCADE,
    line_no     BIGINT  NOT NULL,
    sku         TEXT    NOT NULL,
    description TEXT    NOT NULL,
    quantity    BIGINT  NOT NULL,
    unit_msrp   BIGINT  NOT NULL,
    msrp        BIGINT  NOT NULL,
    steps       TEXT    NOT NULL,
    net         BIGINT  NOT NULL
);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reference       TEXT    NOT NULL UNIQUE,
    inquiry_id      BIGINT  NULL REFERENCES inquiries (id),
    quote_id        BIGINT  NULL REFERENCES quotes (id),
    reseller_id     BIGINT  NOT NULL REFERENCES organisations (id),
    distributor_id  BIGINT  NOT NULL REFERENCES organisations (id),
    end_customer_id BIGINT  NOT NULL REFERENCES end_customers (id),
    status          TEXT    NOT NULL CHECK (status IN ('placed')),
    total_net       BIGINT  NOT NULL,
    created_by      BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at      BIGINT  NOT NULL
);
