-- Revenue by category and month: the top-level categories and the uncategorised bucket, or
-- with %(key)s one category and its direct sub-categories; either month bound may be NULL.
SELECT s.category_key,
       s.category_name,
       parent.key AS parent_key,
       to_char(s.month, 'YYYY-MM') AS month,
       s.units_sold,
       s.revenue,
       s.orders_count
FROM reports.category_sales AS s
LEFT JOIN catalog_category AS parent ON parent.id = s.parent_id
WHERE CASE WHEN %(key)s::text IS NULL THEN s.parent_id IS NULL
           ELSE s.category_key = %(key)s OR parent.key = %(key)s END
  AND (%(first)s::date IS NULL OR s.month >= %(first)s::date)
  AND (%(last)s::date IS NULL OR s.month <= %(last)s::date)
ORDER BY s.month, s.category_key = %(key)s DESC NULLS LAST, s.category_key NULLS LAST
