-- An entry's end customer is one of the entry's reseller's end customers. Every path already
-- keeps this (an inquiry picks among its reseller's end customers, a renewal keeps the
-- entry's pair, the import creates end customers per reseller); the schema now says so, and
-- the schedule's name filters rely on it: a part of a reseller's name and a part of an end
-- customer's name look for the end customer among those resellers' own end customers.
ALTER TABLE end_customers ADD CONSTRAINT end_customers_id_reseller UNIQUE (id, reseller_id);
ALTER TABLE license_entries ADD CONSTRAINT license_entries_customer_of_reseller
    FOREIGN KEY (end_customer_id, reseller_id) REFERENCES end_customers (id, reseller_id);
