-- refresh_reports --full: product_sales from the contributions just rebuilt
-- (reports_data.order_applied), one pass over them instead of joining every order line to its
-- order (27.5 s at 10M orders). The same figures as definition_product_sales.sql, which
-- check_reports still compares them with: a sku appears once per order in its arrays.
WITH per_sku AS (
    SELECT line.sku,
           coalesce(sum(line.units) FILTER (WHERE a.status = 'Complete'), 0)::bigint
               AS units_sold,
           coalesce(sum(line.revenue) FILTER (WHERE a.status = 'Complete'), 0)::numeric(38, 2)
               AS revenue,
           count(*) FILTER (WHERE a.status = 'Complete') AS orders_count
    FROM reports_data.order_applied AS a,
         unnest(a.skus, a.units, a.revenue) AS line (sku, units, revenue)
    GROUP BY line.sku
)
SELECT per_sku.sku, newest.name, per_sku.units_sold, per_sku.revenue, per_sku.orders_count
FROM per_sku
CROSS JOIN LATERAL (
    SELECT i.name
    FROM orders_orderitem AS i
    WHERE i.sku = per_sku.sku
    ORDER BY i.id DESC
    LIMIT 1
) AS newest
