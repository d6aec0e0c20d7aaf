-- Definition of reports.product_sales. Units and revenue count only orders whose current status
-- is Complete; orders_count counts an order once even when it lists the sku on several lines;
-- the name is the one on the sku's newest order line. Revenue is in the base currency, each
-- order's lines of the sku converted together (reports_definition.order_line_base).
WITH per_sku AS (
    SELECT l.sku,
           max(l.newest_item_id) AS newest_item_id,
           coalesce(sum(l.units) FILTER (WHERE l.current_status = 'Complete'), 0)::bigint
               AS units_sold,
           coalesce(sum(l.revenue) FILTER (WHERE l.current_status = 'Complete'), 0)
               ::numeric(38, 2) AS revenue,
           count(*) FILTER (WHERE l.current_status = 'Complete') AS orders_count
    FROM reports_definition.order_line_base AS l
    GROUP BY l.sku
)
SELECT per_sku.sku,
       newest.name,
       per_sku.units_sold,
       per_sku.revenue,
       per_sku.orders_count,
       dense_rank() OVER (ORDER BY per_sku.revenue DESC) AS revenue_rank,
       dense_rank() OVER (ORDER BY per_sku.units_sold DESC) AS units_rank
FROM per_sku
JOIN orders_orderitem AS newest ON newest.id = per_sku.newest_item_id
