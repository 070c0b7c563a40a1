-- The lead inactivity limit is a setting now (PRODUCT.md section 6), so a stored expiry date
-- would go stale when it changes: the rule is applied to last_activity_on instead (one indexed
-- range per source). reminded_for now holds the last_activity_on a reminder was sent for, so
-- the reminder still goes out once per period of inactivity.
UPDATE leads SET reminded_for = CASE WHEN reminded_for = expires_on THEN last_activity_on ELSE NULL END;
DROP INDEX leads_expiry;
ALTER TABLE leads DROP COLUMN expires_on;
CREATE INDEX leads_inactivity ON leads (status, source, last_activity_on);
