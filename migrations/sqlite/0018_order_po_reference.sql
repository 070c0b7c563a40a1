-- The reseller's purchase-order reference, typed when it accepts a quote (optional), shown on
-- the order.
ALTER TABLE orders ADD COLUMN po_reference TEXT NULL;
