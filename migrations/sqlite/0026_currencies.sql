-- Currencies (issue 18): a distributor and its resellers trade in the distributor's currency,
-- so every transaction keeps the currency it was priced in: an inquiry (and its quotes) takes
-- its distributor's, an order its inquiry's or distributor's, a deal registration's estimate
-- its distributor's, MSP usage the reseller's own. Promotions apply to one price book.
ALTER TABLE inquiries ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE orders ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE deal_registrations ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE msp_usage ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
ALTER TABLE promotions ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';

UPDATE inquiries SET currency = (SELECT o.currency FROM organisations o WHERE o.id = inquiries.distributor_id);
UPDATE orders SET currency = (SELECT o.currency FROM organisations o WHERE o.id = orders.distributor_id);
UPDATE deal_registrations SET currency = (SELECT o.currency FROM organisations o WHERE o.id = deal_registrations.distributor_id);
UPDATE msp_usage SET currency = (SELECT o.currency FROM organisations o WHERE o.id = msp_usage.reseller_id);

-- The deal registration minimum is kept per currency.
INSERT INTO settings (key, value)
    SELECT 'deal_registration.minimum_cents.USD', value FROM settings WHERE key = 'deal_registration.minimum_cents';
DELETE FROM settings WHERE key = 'deal_registration.minimum_cents';
