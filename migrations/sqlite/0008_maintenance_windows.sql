-- Maintenance windows: every page shows the banner; order processing waits; the listed
-- sections (comma-separated keys) answer "unavailable until ...". Times are UTC Unix seconds.

CREATE TABLE maintenance_windows (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    starts_at  BIGINT  NOT NULL,
    ends_at    BIGINT  NOT NULL,
    message    TEXT    NOT NULL,
    sections   TEXT    NOT NULL DEFAULT '',
    created_by BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT  NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX maintenance_windows_time ON maintenance_windows (starts_at, ends_at);
