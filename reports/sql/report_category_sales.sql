-- Revenue by category and month: the top-level categories and the uncategorised bucket (0), or
-- with %(key)s one category and its direct sub-categories, read through the stored table's
-- key (category_id, month); either month bound may be NULL.
WITH wanted (category_id) AS (
    SELECT c.id FROM catalog_category AS c WHERE %(key)s::text IS NULL AND c.parent_id IS NULL
    UNION ALL
    SELECT 0 WHERE %(key)s::text IS NULL
    UNION ALL
    SELECT c.id FROM catalog_category AS c WHERE c.key = %(key)s::text
    UNION ALL
    SELECT c.id
    FROM catalog_category AS c
    JOIN catalog_category AS above ON above.id = c.parent_id
    WHERE above.key = %(key)s::text
)
SELECT s.category_key,
       s.category_name,
       parent.key AS parent_key,
       to_char(s.month, 'YYYY-MM') AS month,
       s.units_sold,
       s.revenue,
       s.orders_count
FROM wanted
JOIN reports.category_sales AS s ON s.category_id = wanted.category_id
LEFT JOIN catalog_category AS parent ON parent.id = s.parent_id
WHERE (%(first)s::date IS NULL OR s.month >= %(first)s::date)
  AND (%(last)s::date IS NULL OR s.month <= %(last)s::date)
ORDER BY s.month, s.category_key = %(key)s::text DESC NULLS LAST, s.category_key NULLS LAST
