-- A sweep marks tens of thousands of schedule entries as reminded (reminded_days, in no
-- index). On a full page PostgreSQL writes the new row version to another page and adds it
-- to each of the table's eight indexes; with a tenth of each page kept free the update stays
-- on its page and touches no index (a heap-only tuple). The first sweep of the large data:
-- renewal reminders 4.0 s -> 1.5 s. Pages written from now on keep the room.
ALTER TABLE license_entries SET (fillfactor = 90);
