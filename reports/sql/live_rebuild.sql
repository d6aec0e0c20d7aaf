-- The first part of refresh_reports --full, in the same REPEATABLE READ transaction as the
-- merges that follow it (reports.refresh): consume every change visible in the snapshot (the
-- rebuild reads everything they touched) and recompute every order's contribution from its
-- definition. Only refresh_reports reads order_applied, so TRUNCATE blocks no reader.
DELETE FROM reports_data.order_change;
DELETE FROM reports_data.customer_change;
TRUNCATE reports_data.order_applied;
INSERT INTO reports_data.order_applied
    (order_id, customer_id, created_at, status, total_amount, skus, units, revenue)
SELECT order_id, customer_id, created_at, status, total_amount, skus, units, revenue
FROM reports_definition.order_contribution;
