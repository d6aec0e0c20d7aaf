-- The first part of refresh_reports --full, in the same REPEATABLE READ transaction as the
-- merges that follow it (reports.refresh): consume every change visible in the snapshot (the
-- rebuild reads everything they touched) and recompute every order's contribution. Only
-- refresh_reports reads order_applied, so TRUNCATE blocks no reader.
--
-- The same rows as reports_definition.order_contribution (check_reports compares the two), by
-- a cheaper road: the lines are summed per (order, sku) and sorted once, and each order's arrays
-- are collected in that order, where the definition's array_agg(... ORDER BY sku) sorts every
-- order's lines three times (PostgreSQL before 16 does not notice they come sorted): 30 %
-- less at 1M orders. Collecting in input order holds for a serial plan, so this statement
-- runs without parallel workers (which would merge partial arrays in any order). The sums
-- never depend on the order; only the comparison with the definition does. Money converts at
-- each order's rate (reports_definition.order_base), each sku's revenue on its own.
DELETE FROM reports_data.order_change;
DELETE FROM reports_data.customer_change;
DELETE FROM reports_data.rate_change;
TRUNCATE reports_data.order_applied;
SET LOCAL max_parallel_workers_per_gather = 0;
INSERT INTO reports_data.order_applied
    (order_id, customer_id, created_at, status, total_amount, skus, units, revenue, channel,
     currency, rate, original_total)
SELECT o.id,
       o.customer_id,
       o.created_at,
       o.current_status::varchar(20),
       o.total_amount,
       coalesce(line.skus, '{}')::varchar(50)[],
       coalesce(line.units, '{}')::bigint[],
       coalesce(
           ARRAY(SELECT coalesce(round(sku_revenue.amount * o.rate, 2), 0)
                 FROM unnest(line.revenue) WITH ORDINALITY AS sku_revenue (amount, n)
                 ORDER BY sku_revenue.n),
           '{}'
       )::numeric[],
       o.channel,
       o.currency,
       o.rate,
       o.original_total
FROM reports_definition.order_base AS o
LEFT JOIN (
    SELECT per_sku.order_id,
           array_agg(per_sku.sku) AS skus,
           array_agg(per_sku.units) AS units,
           array_agg(per_sku.revenue) AS revenue
    FROM (
        SELECT i.order_id, i.sku, sum(i.quantity)::bigint AS units,
               sum(i.quantity * i.price) AS revenue
        FROM orders_orderitem AS i
        GROUP BY i.order_id, i.sku
        ORDER BY i.order_id, i.sku
    ) AS per_sku
    GROUP BY per_sku.order_id
) AS line ON line.order_id = o.id;
