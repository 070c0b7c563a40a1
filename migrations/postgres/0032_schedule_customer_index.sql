-- The schedule of a few hundred end customers (a name part matching them) picks a page's
-- entries by end date: with the end date and id in the index on the end customer, that
-- choice reads the index alone, and only the page's 50 entries are read whole.
DROP INDEX license_entries_customer;
CREATE INDEX license_entries_customer ON license_entries (end_customer_id, end_date, id);
