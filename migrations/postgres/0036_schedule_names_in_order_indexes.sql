-- The reseller and end customer of each entry in the schedule's indexes read in a list's
-- order (by end date or start date, with or without a product family): a list or count
-- narrowed to names checks them (and the start date) from the index, and reads only the
-- rows it keeps. Counted at the large scale (SQLite): a family with a part of 1,000
-- resellers 142 -> 6 ms, a family with a common end-customer part 81 -> 30 ms.
DROP INDEX license_entries_end;
CREATE INDEX license_entries_end ON license_entries (end_date, id, reseller_id, start_date, end_customer_id);
DROP INDEX license_entries_start;
CREATE INDEX license_entries_start ON license_entries (start_date, id, reseller_id, end_customer_id);
DROP INDEX license_entries_family;
CREATE INDEX license_entries_family ON license_entries (SUBSTR(sku, 1, 6), end_date, id, start_date, reseller_id, end_customer_id);
DROP INDEX license_entries_family_start;
CREATE INDEX license_entries_family_start ON license_entries (SUBSTR(sku, 1, 6), start_date, id, reseller_id, end_customer_id);
