-- reports.product_sales (reports.models.ProductSales): stored per-sku figures, ranks on read.
SELECT p.sku,
       p.name,
       p.units_sold,
       p.revenue,
       p.orders_count,
       dense_rank() OVER (ORDER BY p.revenue DESC) AS revenue_rank,
       dense_rank() OVER (ORDER BY p.units_sold DESC) AS units_rank
FROM reports_data.product_sales AS p
