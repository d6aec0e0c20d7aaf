-- Definition of what one order contributes to the reports (reports_data.order_applied holds it
-- as last applied): its customer, time, status and total, and per distinct sku its units and
-- revenue, in sku order. refresh_reports computes the same for the changed orders only
-- (live_apply.sql); check_reports compares the two.
SELECT o.id AS order_id,
       o.customer_id,
       o.created_at,
       o.current_status::varchar(20) AS status,
       o.total_amount,
       coalesce(line.skus, '{}')::varchar(50)[] AS skus,
       coalesce(line.units, '{}')::bigint[] AS units,
       coalesce(line.revenue, '{}')::numeric[] AS revenue
FROM orders_order AS o
LEFT JOIN (
    SELECT per_sku.order_id,
           array_agg(per_sku.sku ORDER BY per_sku.sku) AS skus,
           array_agg(per_sku.units ORDER BY per_sku.sku) AS units,
           array_agg(per_sku.revenue ORDER BY per_sku.sku) AS revenue
    FROM (
        SELECT i.order_id, i.sku, sum(i.quantity)::bigint AS units,
               sum(i.quantity * i.price) AS revenue
        FROM orders_orderitem AS i
        GROUP BY i.order_id, i.sku
    ) AS per_sku
    GROUP BY per_sku.order_id
) AS line ON line.order_id = o.id
