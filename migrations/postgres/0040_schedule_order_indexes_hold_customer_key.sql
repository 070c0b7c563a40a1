-- On SQLite this migration makes the schedule's four order indexes end with the entry's copy
-- of its end customer's name (`customer_key`). PostgreSQL's hold it already (`INCLUDE`, since
-- migration 0039): nothing to change here. Migrations keep the same names on both backends.
SELECT 1;
