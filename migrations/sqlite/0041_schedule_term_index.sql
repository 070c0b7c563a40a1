-- The longest term on the schedule, read from an index: an active entry started on or before
-- today, so it ends no later than today plus the longest term, and the last page of the
-- active entries starts its walk back along the end-date index there. Without that bound it
-- began at the schedule's last end date and passed every upcoming entry that ends later than
-- any running one (renewals start when the entry they continue ends, so they end last):
-- 83,000 of them at the large scale (`status=active&at=last`: 13-22 ms from the cache, 87-140
-- ms on a first read from the disk; now about 1 ms).
CREATE INDEX license_entries_term ON license_entries (julianday(end_date) - julianday(start_date));
