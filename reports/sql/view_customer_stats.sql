-- reports.customer_stats (reports.models.CustomerStats): the stored per-customer figures, with
-- the average and the dense revenue rank computed on read.
SELECT s.customer_id,
       s.username,
       s.orders_count,
       s.completed_orders,
       s.cancelled_orders,
       s.pending_orders,
       s.total_revenue,
       round(s.total_revenue / nullif(s.completed_orders, 0), 2)::numeric(38, 2)
           AS avg_order_value,
       s.first_order_at,
       s.last_order_at,
       dense_rank() OVER (ORDER BY s.total_revenue DESC) AS revenue_rank
FROM reports_data.customer_stats AS s
