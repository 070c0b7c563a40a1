-- Deal registrations keep their history (issue 19): every submission, decision, extension
-- and expiry with who and when (an extension used to overwrite the decision's columns).
-- A registration with several product families can be approved for some and rejected for
-- others: each family carries its own decision once there is one. `extensions` counts the
-- extensions, so the limit (a setting, default 1) holds when two people extend at once.
CREATE TABLE deal_registration_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    deal_id BIGINT  NOT NULL REFERENCES deal_registrations (id) ON DELETE CASCADE,
    at      BIGINT  NOT NULL,
    user_id BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    summary TEXT    NOT NULL
);
CREATE INDEX deal_registration_events_deal ON deal_registration_events (deal_id, id);

ALTER TABLE deal_registration_families ADD COLUMN decision TEXT NULL
    CHECK (decision IN ('approved', 'rejected'));
ALTER TABLE deal_registrations ADD COLUMN extensions BIGINT NOT NULL DEFAULT 0;

-- The history so far: each submission, and each decision as its columns hold it.
INSERT INTO deal_registration_events (deal_id, at, user_id, summary)
SELECT id, submitted_at, submitted_by, 'Submitted' FROM deal_registrations;
INSERT INTO deal_registration_events (deal_id, at, user_id, summary)
SELECT id, decided_at, decided_by,
       CASE status WHEN 'rejected' THEN 'Rejected: ' || COALESCE(reason, '')
                   ELSE 'Approved, valid ' || COALESCE(valid_from, '') || ' to ' || COALESCE(valid_until, '') END
FROM deal_registrations WHERE decided_at IS NOT NULL;
UPDATE deal_registration_families SET decision = 'approved'
WHERE deal_id IN (SELECT id FROM deal_registrations WHERE status IN ('approved', 'expired'));
UPDATE deal_registration_families SET decision = 'rejected'
WHERE deal_id IN (SELECT id FROM deal_registrations WHERE status = 'rejected');
