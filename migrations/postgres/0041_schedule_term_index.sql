-- The longest term on the schedule, read from an index: an active entry started on or before
-- today, so it ends no later than today plus the longest term, and the last page of the
-- active entries starts its walk back along the end-date index there. Without that bound it
-- began at the schedule's last end date and passed every upcoming entry that ends later than
-- any running one (renewals start when the entry they continue ends, so they end last):
-- 83,000 of them at the large scale (`status=active&at=last`: 15 ms from the cache, up to
-- 200 ms on a first read from the disk; now about 3 ms).
--
-- The dates are ISO text (as on SQLite); a cast of text to a date depends on the session's
-- DateStyle and cannot be indexed, `make_date` of the three numbers can.
CREATE FUNCTION schedule_term_days(start_date TEXT, end_date TEXT) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT make_date(substr(end_date, 1, 4)::int, substr(end_date, 6, 2)::int, substr(end_date, 9, 2)::int)
         - make_date(substr(start_date, 1, 4)::int, substr(start_date, 6, 2)::int, substr(start_date, 9, 2)::int)
$$;
CREATE INDEX license_entries_term ON license_entries (schedule_term_days(start_date, end_date));
