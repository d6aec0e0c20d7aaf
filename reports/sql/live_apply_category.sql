-- The category report's part of an incremental run, right after live_apply.sql in the same
-- transaction: the orders whose contribution changed (live_delta) move category_sales by the
-- difference, their lines counted in the category each sku had when the catalog was last
-- applied (category_product_applied, category_tree_applied). Catalog changes themselves are
-- live_apply_catalog.sql's, which then moves these lines to their categories of now.
DELETE FROM live_category_delta;

INSERT INTO live_category_delta
SELECT per_order.category_id,
       per_order.month,
       sum(per_order.sign * per_order.units),
       sum(per_order.sign * per_order.revenue),
       sum(per_order.sign)
FROM (
    SELECT d.sign,
           d.order_id,
           date_trunc('month', d.created_at AT TIME ZONE 'UTC')::date AS month,
           tree.ancestor_id AS category_id,
           sum(line.units) AS units,
           sum(line.revenue) AS revenue
    FROM live_delta AS d
    CROSS JOIN LATERAL unnest(d.skus, d.units, d.revenue) AS line (sku, units, revenue)
    LEFT JOIN reports_data.category_product_applied AS applied ON applied.sku = line.sku
    JOIN reports_data.category_tree_applied AS tree
        ON tree.category_id = coalesce(applied.category_id, 0)
    WHERE d.status = 'Complete'
    GROUP BY d.sign, d.order_id, 3, tree.ancestor_id
) AS per_order
GROUP BY per_order.category_id, per_order.month;

INSERT INTO reports_data.category_sales AS stored
    (category_id, month, units_sold, revenue, orders_count)
SELECT category_id, month, units_sold, revenue, orders_count
FROM live_category_delta
WHERE units_sold <> 0 OR revenue <> 0 OR orders_count <> 0
ON CONFLICT (category_id, month) DO UPDATE
SET units_sold = stored.units_sold + excluded.units_sold,
    revenue = stored.revenue + excluded.revenue,
    orders_count = stored.orders_count + excluded.orders_count;

DELETE FROM reports_data.category_sales AS stored
USING live_category_delta AS d
WHERE stored.category_id = d.category_id AND stored.month = d.month AND stored.orders_count = 0
