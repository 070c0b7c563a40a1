-- Joining the MSP program (issue 18): a reseller admin applies (training completed, by whom,
-- the program terms accepted as they read then); the reseller's CAM (or a vendor admin)
-- approves from a start month or rejects with a reason. An MSP reports usage from its start
-- month; the vendor can end the status from a month on (usage reported before stays).
CREATE TABLE msp_applications (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id           BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    training_completed_on TEXT    NOT NULL,
    trained_people        TEXT    NOT NULL,
    terms                 TEXT    NOT NULL,
    status                TEXT    NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'approved', 'rejected')),
    start_month           TEXT    NULL,
    reason                TEXT    NULL,
    submitted_by          BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    submitted_at          BIGINT  NOT NULL,
    decided_by            BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    decided_at            BIGINT  NULL
);
CREATE INDEX msp_applications_reseller ON msp_applications (reseller_id, id);
CREATE INDEX msp_applications_status ON msp_applications (status, id);

-- The months an MSP reports usage for: from msp_from (NULL: as long as it has been one) to
-- msp_until (NULL: no end).
ALTER TABLE organisations ADD COLUMN msp_from TEXT NULL;
ALTER TABLE organisations ADD COLUMN msp_until TEXT NULL;

-- What happened to a reseller's MSP status, for its organisation page.
CREATE TABLE msp_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    reseller_id BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    at          BIGINT  NOT NULL,
    user_id     BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    summary     TEXT    NOT NULL
);
CREATE INDEX msp_history_reseller ON msp_history (reseller_id, id);
