-- The nearest renewal reminder already sent for an entry (90, 60 or 30 days before its end),
-- so a daily sweep reads only the entries that are due a reminder it has not sent.
ALTER TABLE license_entries ADD COLUMN reminded_days BIGINT NULL;
