-- The schedule's four indexes read in a list's order end with the entry's copy of its end
-- customer's name (`customer_key`, migration 0039), as PostgreSQL's hold it since 0039: a count
-- or page narrowed by a part of the end customer's name that matches too many names to look
-- up by id checks the part on the index alone, instead of reading each entry's row and its
-- end customer's. At the large scale, `family=EPIXAD&customer=customer 1` (a count that passes
-- some 57,000 entries of the family to find 10,001) 29-40 ms -> 3 ms. About 4 s on 1,000,000
-- entries.
DROP INDEX license_entries_end;
CREATE INDEX license_entries_end ON license_entries (end_date, id, reseller_id, start_date, end_customer_id, customer_key);
DROP INDEX license_entries_start;
CREATE INDEX license_entries_start ON license_entries (start_date, id, reseller_id, end_customer_id, customer_key);
DROP INDEX license_entries_family;
CREATE INDEX license_entries_family ON license_entries (SUBSTR(sku, 1, 6), end_date, id, start_date, reseller_id, end_customer_id, customer_key);
DROP INDEX license_entries_family_start;
CREATE INDEX license_entries_family_start ON license_entries (SUBSTR(sku, 1, 6), start_date, id, reseller_id, end_customer_id, customer_key);
