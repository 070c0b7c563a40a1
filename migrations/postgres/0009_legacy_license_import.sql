-- Licenses imported from the old system keep their license key, which makes the import
-- idempotent (a second run changes nothing).
ALTER TABLE license_entries ADD COLUMN license_key TEXT NULL;
CREATE UNIQUE INDEX license_entries_key ON license_entries (license_key);
