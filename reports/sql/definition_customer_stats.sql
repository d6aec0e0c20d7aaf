-- Definition of reports.customer_stats (the specification: refresh_reports --full and
-- check_reports read it). Revenue counts only orders whose current status is Complete.
SELECT per_customer.*,
       dense_rank() OVER (ORDER BY per_customer.total_revenue DESC) AS revenue_rank
FROM (
    SELECT c.id AS customer_id,
           c.username,
           count(o.id) AS orders_count,
           count(o.id) FILTER (WHERE o.current_status = 'Complete') AS completed_orders,
           count(o.id) FILTER (WHERE o.current_status = 'Cancelled') AS cancelled_orders,
           count(o.id) FILTER (WHERE o.current_status = 'Pending') AS pending_orders,
           coalesce(sum(o.total_amount) FILTER (WHERE o.current_status = 'Complete'), 0)
               ::numeric(38, 2) AS total_revenue,
           round(
               sum(o.total_amount) FILTER (WHERE o.current_status = 'Complete')
               / nullif(count(o.id) FILTER (WHERE o.current_status = 'Complete'), 0),
               2
           )::numeric(38, 2) AS avg_order_value,
           min(o.created_at) AS first_order_at,
           max(o.created_at) AS last_order_at
    FROM orders_customer AS c
    LEFT JOIN reports_definition.order_base AS o ON o.customer_id = c.id
    GROUP BY c.id, c.username
) AS per_customer
