-- Definition of reports_data.customer_month: per customer and UTC month in which they placed
-- orders, those orders (any status) and the total_amount of those now Complete.
SELECT o.customer_id,
       date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date AS month,
       count(*) AS orders,
       coalesce(sum(o.total_amount) FILTER (WHERE o.current_status = 'Complete'), 0)
           ::numeric(38, 2) AS revenue
FROM reports_definition.order_base AS o
GROUP BY 1, 2
