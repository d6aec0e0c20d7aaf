-- Customers by revenue, highest first. customer_id orders the ties of the dense rank, so pages
-- never repeat or skip a customer. The rank is computed on read while walking
-- customer_stats_revenue_idx in order, so a page costs its offset plus its limit.
SELECT revenue_rank,
       customer_id,
       username AS "user",
       total_revenue,
       completed_orders,
       orders_count,
       cancelled_orders,
       pending_orders,
       round(total_revenue / nullif(completed_orders, 0), 2)::numeric(38, 2) AS avg_order_value,
       first_order_at,
       last_order_at
FROM (
    SELECT s.*, dense_rank() OVER (ORDER BY s.total_revenue DESC) AS revenue_rank
    FROM reports_data.customer_stats AS s
    ORDER BY s.total_revenue DESC, s.customer_id
) AS ranked
ORDER BY total_revenue DESC, customer_id
LIMIT %(limit)s OFFSET %(offset)s
