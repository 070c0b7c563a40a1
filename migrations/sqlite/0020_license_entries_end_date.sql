-- The home pages count the subscriptions ending in the next 30/60/90 days and twelve months
-- for the vendor (every reseller): by end date alone, which the (reseller_id, end_date) index
-- does not serve.
CREATE INDEX license_entries_end ON license_entries (end_date);
