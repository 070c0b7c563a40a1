-- A lead list of one status hides partner leads past the inactivity limit (they are expired
-- leads, listed apart): with the lead's source in the index, the walk in order of last
-- activity tells them from the index and reads only the rows it lists. On the large data
-- the last page of new leads passed some 4,000 hidden partner leads first (the oldest days
-- hold no vendor leads), reading each one's row: 4-5 ms a request, 58-105 ms the first time.
DROP INDEX leads_status_activity;
CREATE INDEX leads_status_activity ON leads (status, last_activity_on, id, source);
