-- A renewal or mid-term change entered on the distributor's order form names the schedule
-- entry it renews or changes: a renewal then starts the day after that entry ends, a change
-- ends with it (co-termed).
ALTER TABLE order_lines ADD COLUMN changes_entry_id BIGINT NULL REFERENCES license_entries (id);
ALTER TABLE order_lines ADD COLUMN unit_msrp BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN net BIGINT NOT NULL DEFAULT 0;
CREATE INDEX order_lines_changes ON order_lines (changes_entry_id);
CREATE INDEX license_entries_end ON license_entries (end_date, id);
