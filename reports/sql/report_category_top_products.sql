-- The best-selling products of a large category and its sub-categories at every depth
-- (%(ids)s), by the column the caller chose (an identifier bound through psycopg.sql), sku for
-- ties: product_sales walked down its index on that column until enough of them belong to the
-- category (reports.category.category_top_products chooses this plan or the _small one).
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
