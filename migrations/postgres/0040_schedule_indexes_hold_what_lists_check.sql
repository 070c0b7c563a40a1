-- The schedule's indexes by reseller and by end customer hold what a list or count narrowed to
-- those ids checks next: the start date (status) and the SKU (product family), and by
-- reseller the id (the page's order). PostgreSQL reads an index alone only when it holds every
-- column the statement names; without them it read the family's or the start date's index
-- whole, or the table from its start, to keep the entries of the ids. At the large scale:
-- `status=upcoming` with the 100 resellers of `scale reseller 42`, counted, 54-450 ms -> 5 ms;
-- `status=active` with 1,000 resellers 48-170 ms (a sequential scan, fast only when it
-- happened to start near their entries) -> 6 ms; `family=EPIXAD` with 4,000 end customers
-- 170-950 ms -> 8 ms.
--
-- The index by reseller does not hold the copy of the end customer's name (`customer_key`):
-- with it, a common end-customer part with a part matching every reseller was counted along
-- that index, reseller by reseller, and the large data's resellers of the first half have no
-- `customer 1` (500,000 entries passed, 115-145 ms); the order indexes, which hold it, find
-- such a part's entries spread along the list.
--
-- The unique index on the end customers' names by reseller also holds the name and the id: a
-- part of the end customer's name among the end customers of a few resellers is looked up on
-- it alone (1,000 resellers' 40,000 names, none holding `customer 1`: 48 ms through the
-- trigram index and the table -> 10 ms).
--
-- SQLite's 0040 ends its four order indexes with `customer_key`, which PostgreSQL's hold
-- (`INCLUDE`) since 0039; its indexes by reseller and by end customer stay as they are (its
-- lists of a few resellers or end customers read their rows, and sort, quickly enough).
DROP INDEX license_entries_reseller;
CREATE INDEX license_entries_reseller ON license_entries (reseller_id, end_date) INCLUDE (id, start_date, sku);
DROP INDEX license_entries_customer;
CREATE INDEX license_entries_customer ON license_entries (end_customer_id, end_date, id) INCLUDE (start_date, sku);
DROP INDEX end_customers_name;
CREATE UNIQUE INDEX end_customers_name ON end_customers (reseller_id, LOWER(name)) INCLUDE (name, id);

-- Each end customer keeps its name lower-cased (`name_key`), and the trigram index holds it
-- instead of `LOWER(name)`: a part looked up among every end customer that the trigram index
-- does not answer quickly (too short, as `zz`, or common, as `customer 1`, read in table
-- order until 10,001 names hold it) lower-cased each name it read, which under the database's
-- locale cost more than the match: `customer 1` 27 -> 12 ms, `zz` 38 -> 19 ms on the large
-- data. A trigger keeps it (the same on SQLite, for one schema).
ALTER TABLE end_customers ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
CREATE FUNCTION end_customers_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.name_key := LOWER(NEW.name);
    RETURN NEW;
END
$$;
UPDATE end_customers SET name_key = LOWER(name);
CREATE TRIGGER end_customers_name_key BEFORE INSERT OR UPDATE OF name, name_key
    ON end_customers FOR EACH ROW EXECUTE FUNCTION end_customers_name_key();
DROP INDEX end_customers_name_trgm;
CREATE INDEX end_customers_name_trgm ON end_customers USING gin (name_key gin_trgm_ops);
