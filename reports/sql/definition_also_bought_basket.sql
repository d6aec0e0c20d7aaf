-- The widest basket (distinct skus of one order) that counts in also-bought: a wider order
-- (a restock, a wholesale order, a catalog dump) adds no pairs, since its pairs would grow with
-- the square of its width (docs/DESIGN.md §6, "Bounds"). The one place this number lives: the
-- definition, the incremental apply and the full rebuild all read it here. A change needs
-- refresh_reports --full.
SELECT 50 AS max_skus
