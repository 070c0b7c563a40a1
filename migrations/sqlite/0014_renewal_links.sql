-- A renewal or change asked for from the schedule names the entry it continues on every
-- step: the inquiry line, the quote line and (already) the order line, so an order placed
-- from an accepted quote renews contiguously instead of starting a new term.
ALTER TABLE inquiry_lines ADD COLUMN changes_entry_id BIGINT NULL REFERENCES license_entries (id);
ALTER TABLE quote_lines ADD COLUMN changes_entry_id BIGINT NULL REFERENCES license_entries (id);
