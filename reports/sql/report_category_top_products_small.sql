-- As report_category_top_products.sql, for a category with few products: their figures are
-- looked up one by one and sorted (walking the whole product_sales index for the few that
-- belong to it would read far more).
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
JOIN reports_data.product_sales AS s ON s.sku = member.sku
JOIN catalog_category AS c ON c.id = member.category_id
ORDER BY s.{column} DESC, s.sku
LIMIT %(limit)s
