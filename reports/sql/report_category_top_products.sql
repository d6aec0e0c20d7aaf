-- The best-selling products of the categories %(ids)s (a category and its sub-categories at
-- every depth), by the column the caller chose (an identifier bound through psycopg.sql), sku
-- for ties, from the stored product_sales. The ids come as an array, so the planner knows how
-- many products they hold: for a small category it sorts its products' figures, for a large
-- one it walks product_sales down the index on that column until the first matches.
SELECT s.sku,
       p.name,
       c.key AS category_key,
       s.units_sold,
       s.revenue,
       s.orders_count
FROM reports_data.product_sales AS s
JOIN catalog_product AS p ON p.sku = s.sku
JOIN catalog_category AS c ON c.id = p.category_id
WHERE p.category_id = ANY (%(ids)s::bigint[])
ORDER BY s.{column} DESC, s.sku
LIMIT %(limit)s
