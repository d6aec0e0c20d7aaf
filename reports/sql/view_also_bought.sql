-- reports.also_bought, declared by reports.models.AlsoBought (django-pgviews-redux).
-- migrate re-creates the view when this text changes. "Customers who bought X also bought Y":
-- for each sku, the 20 skus found most often in the same order, over orders that are not
-- Cancelled; ties break by other_sku so the rank is stable. Names come from product_sales
-- ('' for a sku newer than its last refresh).
-- Keep the last line SQL: pgviews-redux appends WITH DATA after it.
WITH basket AS (
    SELECT DISTINCT i.order_id, i.sku
    FROM orders_orderitem AS i
    JOIN orders_order AS o ON o.id = i.order_id
    WHERE o.current_status IS DISTINCT FROM 'Cancelled'
),
pair AS (
    SELECT a.sku, b.sku AS other_sku, count(*) AS orders_together
    FROM basket AS a
    JOIN basket AS b ON b.order_id = a.order_id AND b.sku <> a.sku
    GROUP BY a.sku, b.sku
),
ranked AS (
    SELECT pair.*,
           row_number() OVER (
               PARTITION BY pair.sku ORDER BY pair.orders_together DESC, pair.other_sku
           ) AS rank
    FROM pair
)
SELECT ranked.sku,
       ranked.other_sku,
       coalesce(product.name, '') AS other_name,
       ranked.orders_together,
       ranked.rank
FROM ranked
LEFT JOIN reports.product_sales AS product ON product.sku = ranked.other_sku
WHERE ranked.rank <= 20
