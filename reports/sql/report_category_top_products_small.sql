-- As report_category_top_products.sql, for a category with few products: each one's figures
-- are looked up by sku and the few sorted. (LIMIT 1 on a primary-key lookup changes no row;
-- it keeps the planner from hashing all of product_sales instead of probing it.)
WITH member AS MATERIALIZED (
    SELECT p.sku, p.name, p.category_id
    FROM catalog_product AS p
    WHERE p.category_id = ANY (%(ids)s::bigint[])
)
SELECT s.sku,
       member.name,
       c.key AS category_key,
       s.units_sold,
       s.revenue,
       s.orders_count
FROM member
CROSS JOIN LATERAL (
    SELECT sales.* FROM reports_data.product_sales AS sales WHERE sales.sku = member.sku LIMIT 1
) AS s
JOIN catalog_category AS c ON c.id = member.category_id
ORDER BY s.{column} DESC, s.sku
LIMIT %(limit)s
