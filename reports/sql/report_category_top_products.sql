-- The best-selling products of a category and its sub-categories at every depth, by the
-- column the caller chose (an identifier bound through psycopg.sql), sku for ties; read from
-- the stored product_sales through its index on that column.
WITH RECURSIVE tree (id) AS (
    SELECT id FROM catalog_category WHERE key = %(key)s
    UNION ALL
    SELECT c.id FROM catalog_category AS c JOIN tree ON c.parent_id = tree.id
)
SELECT s.sku,
       p.name,
       c.key AS category_key,
       s.units_sold,
       s.revenue,
       s.orders_count
FROM reports_data.product_sales AS s
JOIN catalog_product AS p ON p.sku = s.sku
JOIN catalog_category AS c ON c.id = p.category_id
WHERE p.category_id IN (SELECT id FROM tree)
ORDER BY s.{column} DESC, s.sku
LIMIT %(limit)s
