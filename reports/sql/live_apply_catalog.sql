-- The catalog changes (reports_data.catalog_change) applied to the category report, run by
-- refresh_reports only when no order change is left in the log (so the orders as they are in
-- this snapshot are the orders as applied). The cost follows the sales of the products that
-- moved: a product moved to another category, or every product under a category re-parented.
-- 1. The tree as it is now, and the categories whose ancestors changed.
-- 2. The products that moved: those logged whose category changed, and those under a changed
--    category.
-- 3. The categories whose figures can change: for each moved product, the ancestors it had
--    and has not, and those it has and had not (a category above both its old and its new
--    place keeps its lines and its orders).
-- 4. Every Complete order with a line of a moved product, in those categories only: out with
--    its lines in the catalog as applied, in with them in the catalog as it is (the order's
--    other lines count the same both ways, so an order counted once per category stays
--    counted once). Lines are mapped per distinct sku, by hash joins.
-- 5. The catalog as it is becomes the applied one, for those products and categories.
DELETE FROM live_category_delta;
DELETE FROM live_catalog_sku;
DELETE FROM live_catalog_order;
DELETE FROM live_tree_new;
DELETE FROM live_tree_changed;
DELETE FROM live_catalog_affected;

WITH consumed AS (DELETE FROM reports_data.catalog_change RETURNING sku)
INSERT INTO live_catalog_sku
SELECT DISTINCT consumed.sku
FROM consumed
LEFT JOIN catalog_product AS p ON p.sku = consumed.sku
LEFT JOIN reports_data.category_product_applied AS applied ON applied.sku = consumed.sku
WHERE consumed.sku IS NOT NULL AND p.category_id IS DISTINCT FROM applied.category_id;

INSERT INTO live_tree_new SELECT * FROM reports_definition.category_tree_applied;

INSERT INTO live_tree_changed
SELECT DISTINCT category_id
FROM (
    (SELECT * FROM live_tree_new EXCEPT SELECT * FROM reports_data.category_tree_applied)
    UNION ALL
    (SELECT * FROM reports_data.category_tree_applied EXCEPT SELECT * FROM live_tree_new)
) AS changed;

INSERT INTO live_catalog_sku
SELECT applied.sku
FROM live_tree_changed AS changed
JOIN reports_data.category_product_applied AS applied ON applied.category_id = changed.category_id
UNION
SELECT p.sku
FROM live_tree_changed AS changed
JOIN catalog_product AS p ON p.category_id = changed.category_id
ON CONFLICT (sku) DO NOTHING;
ANALYZE live_catalog_sku;

INSERT INTO live_catalog_affected
SELECT DISTINCT coalesce(was.ancestor_id, now.ancestor_id)
FROM (
    SELECT moved.sku, tree.ancestor_id
    FROM live_catalog_sku AS moved
    LEFT JOIN reports_data.category_product_applied AS applied ON applied.sku = moved.sku
    JOIN reports_data.category_tree_applied AS tree
        ON tree.category_id = coalesce(applied.category_id, 0)
) AS was
FULL JOIN (
    SELECT moved.sku, tree.ancestor_id
    FROM live_catalog_sku AS moved
    LEFT JOIN catalog_product AS p ON p.sku = moved.sku
    JOIN live_tree_new AS tree ON tree.category_id = coalesce(p.category_id, 0)
) AS now ON now.sku = was.sku AND now.ancestor_id = was.ancestor_id
WHERE was.sku IS NULL OR now.sku IS NULL;
ANALYZE live_catalog_affected;

INSERT INTO live_catalog_order
SELECT DISTINCT i.order_id
FROM live_catalog_sku AS moved
JOIN orders_orderitem AS i ON i.sku = moved.sku
WHERE EXISTS (SELECT FROM live_catalog_affected);
ANALYZE live_catalog_order;

INSERT INTO live_category_delta
WITH line AS (
    SELECT i.order_id,
           date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date AS month,
           i.sku,
           sum(i.quantity) AS units,
           coalesce(round(sum(i.quantity * i.price) * applied.rate, 2), 0) AS revenue
    FROM live_catalog_order AS touched
    JOIN orders_order AS o ON o.id = touched.order_id
    -- the rate the order's contribution was applied at (the orders are all applied by now)
    JOIN reports_data.order_applied AS applied ON applied.order_id = touched.order_id
    JOIN orders_orderitem AS i ON i.order_id = touched.order_id
    WHERE o.current_status = 'Complete'
    GROUP BY i.order_id, 2, i.sku, applied.rate
),
line_sku AS (SELECT DISTINCT sku FROM line),
placed (sku, sign, category_id) AS (
    SELECT s.sku, -1, tree.ancestor_id
    FROM line_sku AS s
    LEFT JOIN reports_data.category_product_applied AS applied ON applied.sku = s.sku
    JOIN reports_data.category_tree_applied AS tree
        ON tree.category_id = coalesce(applied.category_id, 0)
    JOIN live_catalog_affected AS affected ON affected.category_id = tree.ancestor_id
    UNION ALL
    SELECT s.sku, 1, tree.ancestor_id
    FROM line_sku AS s
    LEFT JOIN catalog_product AS p ON p.sku = s.sku
    JOIN live_tree_new AS tree ON tree.category_id = coalesce(p.category_id, 0)
    JOIN live_catalog_affected AS affected ON affected.category_id = tree.ancestor_id
)
SELECT per_order.category_id,
       per_order.month,
       sum(per_order.sign * per_order.units),
       sum(per_order.sign * per_order.revenue),
       sum(per_order.sign)
FROM (
    SELECT placed.sign,
           line.order_id,
           line.month,
           placed.category_id,
           sum(line.units) AS units,
           sum(line.revenue) AS revenue
    FROM line
    JOIN placed ON placed.sku = line.sku
    GROUP BY placed.sign, line.order_id, line.month, placed.category_id
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
WHERE stored.category_id = d.category_id AND stored.month = d.month AND stored.orders_count = 0;

DELETE FROM reports_data.category_product_applied AS applied
USING live_catalog_sku AS moved
WHERE applied.sku = moved.sku;

INSERT INTO reports_data.category_product_applied (sku, category_id)
SELECT p.sku, p.category_id
FROM live_catalog_sku AS moved
JOIN catalog_product AS p ON p.sku = moved.sku
WHERE p.category_id IS NOT NULL;

DELETE FROM reports_data.category_tree_applied AS applied
USING live_tree_changed AS changed
WHERE applied.category_id = changed.category_id;

INSERT INTO reports_data.category_tree_applied
SELECT tree.*
FROM live_tree_new AS tree
JOIN live_tree_changed AS changed ON changed.category_id = tree.category_id
