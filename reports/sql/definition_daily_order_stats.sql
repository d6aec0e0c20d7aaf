-- Definition of reports.daily_order_stats: one row per UTC day on which orders were created,
-- with what those orders are now; revenue counts only the Complete ones.
SELECT (o.created_at AT TIME ZONE 'UTC')::date AS day,
       count(*) AS orders_count,
       count(*) FILTER (WHERE o.current_status = 'Complete') AS completed_orders,
       count(*) FILTER (WHERE o.current_status = 'Cancelled') AS cancelled_orders,
       coalesce(sum(o.total_amount) FILTER (WHERE o.current_status = 'Complete'), 0)
           ::numeric(38, 2) AS revenue,
       round(
           sum(o.total_amount) FILTER (WHERE o.current_status = 'Complete')
           / nullif(count(*) FILTER (WHERE o.current_status = 'Complete'), 0),
           2
       )::numeric(38, 2) AS avg_order_value
FROM reports_definition.order_base AS o
GROUP BY 1
