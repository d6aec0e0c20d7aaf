-- reports.category_sales (reports.models.CategorySales): the stored figures with the
-- category's key, name and parent as they are now.
SELECT s.category_id,
       c.key AS category_key,
       coalesce(c.name, 'Uncategorised')::varchar(200) AS category_name,
       c.parent_id,
       s.month,
       s.units_sold,
       s.revenue,
       s.orders_count
FROM reports_data.category_sales AS s
LEFT JOIN catalog_category AS c ON c.id = s.category_id
