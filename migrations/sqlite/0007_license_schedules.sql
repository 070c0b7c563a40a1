-- Order lines, order processing, and license schedule entries (no license keys).

CREATE TABLE order_lines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    BIGINT  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no     BIGINT  NOT NULL,
    sku         TEXT    NOT NULL,
    description TEXT    NOT NULL,
    quantity    BIGINT  NOT NULL
);

-- An order is processed once: its completion date decides every date of its entries.
CREATE TABLE order_processing (
    order_id     BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    completed_on TEXT   NOT NULL,
    processed_at BIGINT NOT NULL,
    processed_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE license_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id     BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    end_customer_id BIGINT  NOT NULL REFERENCES end_customers (id),
    order_id        BIGINT  NULL REFERENCES orders (id),
    order_reference TEXT    NOT NULL,
    sku             TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    quantity        BIGINT  NOT NULL,
    start_date      TEXT    NOT NULL,
    end_date        TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX license_entries_reseller ON license_entries (reseller_id, end_date);
CREATE INDEX license_entries_customer ON license_entries (end_customer_id);
