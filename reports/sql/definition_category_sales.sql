-- Definition of reports.category_sales: the lines of Complete orders by the month of their
-- order (UTC) and the category of their sku, counted in that category and in every ancestor;
-- a sku not in the catalog, or without a category, counts in category 0 (uncategorised).
-- orders_count counts an order once per category even when several of its lines are there.
-- Revenue is in the base currency (reports_definition.order_line_base).
SELECT sales.category_id,
       c.key AS category_key,
       coalesce(c.name, 'Uncategorised')::varchar(200) AS category_name,
       c.parent_id,
       sales.month,
       sales.units_sold,
       sales.revenue,
       sales.orders_count
FROM (
    SELECT tree.ancestor_id AS category_id,
           date_trunc('month', l.created_at AT TIME ZONE 'UTC')::date AS month,
           sum(l.units)::bigint AS units_sold,
           sum(l.revenue)::numeric(38, 2) AS revenue,
           count(DISTINCT l.order_id) AS orders_count
    FROM reports_definition.order_line_base AS l
    LEFT JOIN catalog_product AS p ON p.sku = l.sku
    JOIN reports_definition.category_tree_applied AS tree
        ON tree.category_id = coalesce(p.category_id, 0)
    WHERE l.current_status = 'Complete'
    GROUP BY 1, 2
) AS sales
LEFT JOIN catalog_category AS c ON c.id = sales.category_id
