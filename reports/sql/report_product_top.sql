-- Best-selling products by the rank column chosen by the caller (an identifier bound through
-- psycopg2.sql), sku as the stable key for ties.
SELECT sku,
       name,
       units_sold,
       revenue,
       orders_count,
       revenue_rank,
       units_rank
FROM reports.product_sales
ORDER BY {rank}, sku
LIMIT %(limit)s
