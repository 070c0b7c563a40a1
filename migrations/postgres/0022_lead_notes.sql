-- Lead notes become an append-only log (issue 19): one editable notes field let a reseller's
-- update replace the channel account manager's words for good. A note is now part of the
-- lead's history: an event may carry the text its author added. The notes written so far
-- become the first note of their lead, by whoever created it, at the time it was created.
ALTER TABLE lead_events ADD COLUMN note TEXT NULL;

INSERT INTO lead_events (lead_id, at, user_id, summary, note)
SELECT id, created_at, created_by, 'Added a note', notes FROM leads WHERE notes <> '';

ALTER TABLE leads DROP COLUMN notes;
