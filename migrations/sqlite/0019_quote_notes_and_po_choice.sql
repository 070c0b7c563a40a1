-- A quote's internal note (distributor and vendor only; the note to the reseller stays in
-- `note`), and a reseller's choice whether accepting a quote needs a purchase-order reference.
ALTER TABLE quotes ADD COLUMN internal_note TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN po_required BIGINT NOT NULL DEFAULT 0;
