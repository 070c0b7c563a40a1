-- An entry's end customer is one of the entry's reseller's end customers. Every path already
-- keeps this (an inquiry picks among its reseller's end customers, a renewal keeps the
-- entry's pair, the import creates end customers per reseller); the schema now says so, and
-- the schedule's name filters rely on it: a part of a reseller's name and a part of an end
-- customer's name look for the end customer among those resellers' own end customers.
-- SQLite cannot add a foreign key to a table without rebuilding it (a million entries), so
-- triggers refuse what the PostgreSQL schema's foreign key refuses.
--
-- As PostgreSQL checks the existing entries when the key is added, so does this: a database
-- holding an entry of another reseller's end customer is not migrated (the portal does not
-- start) rather than filtered wrongly. To find such entries: SELECT l.id FROM license_entries l
-- JOIN end_customers e ON e.id = l.end_customer_id WHERE e.reseller_id <> l.reseller_id.
CREATE TEMP TABLE migration_0037 (
    entries_of_another_resellers_end_customer INTEGER
        CHECK (entries_of_another_resellers_end_customer = 0)
);
INSERT INTO migration_0037
SELECT COUNT(*) FROM license_entries l JOIN end_customers e ON e.id = l.end_customer_id
WHERE e.reseller_id <> l.reseller_id;
DROP TABLE migration_0037;
CREATE TRIGGER license_entries_customer_of_reseller_insert BEFORE INSERT ON license_entries
WHEN NOT EXISTS (SELECT 1 FROM end_customers WHERE id = NEW.end_customer_id AND reseller_id = NEW.reseller_id)
BEGIN
    SELECT RAISE(ABORT, 'the end customer of a schedule entry belongs to another reseller');
END;
CREATE TRIGGER license_entries_customer_of_reseller_update BEFORE UPDATE OF reseller_id, end_customer_id ON license_entries
WHEN NOT EXISTS (SELECT 1 FROM end_customers WHERE id = NEW.end_customer_id AND reseller_id = NEW.reseller_id)
BEGIN
    SELECT RAISE(ABORT, 'the end customer of a schedule entry belongs to another reseller');
END;
CREATE TRIGGER end_customers_reseller_of_entries BEFORE UPDATE OF reseller_id ON end_customers
WHEN EXISTS (SELECT 1 FROM license_entries WHERE end_customer_id = NEW.id AND reseller_id <> NEW.reseller_id)
BEGIN
    SELECT RAISE(ABORT, 'the end customer of a schedule entry belongs to another reseller');
END;
