-- Name filters ("part of the end customer's / reseller's / organisation's name") find their
-- rows through an index instead of reading every name: a trigram index on the lower-cased
-- name answers LIKE '%part%'. pg_trgm ships with PostgreSQL and is a trusted extension (a
-- database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX end_customers_name_trgm ON end_customers USING gin (LOWER(name) gin_trgm_ops);
CREATE INDEX organisations_name_trgm ON organisations USING gin (LOWER(name) gin_trgm_ops);

-- The lead list filtered by status, most recently active first, reads this index in order.
CREATE INDEX leads_status_activity ON leads (status, last_activity_on, id);
