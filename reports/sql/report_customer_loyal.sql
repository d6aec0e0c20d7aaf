-- Seed 001: customers with at least N Complete orders and what they spent, biggest spenders
-- first. The dense rank counts every customer, so it is computed before the filter, on read,
-- walking customer_stats_revenue_idx until the page is full.
SELECT customer_id,
       username AS "user",
       completed_orders,
       total_revenue,
       round(total_revenue / nullif(completed_orders, 0), 2)::numeric(38, 2) AS avg_order_value,
       orders_count,
       revenue_rank,
       last_order_at
FROM (
    SELECT s.*, dense_rank() OVER (ORDER BY s.total_revenue DESC) AS revenue_rank
    FROM reports_data.customer_stats AS s
    ORDER BY s.total_revenue DESC, s.customer_id
) AS ranked
WHERE completed_orders >= %(min_completed_orders)s
ORDER BY total_revenue DESC, customer_id
LIMIT %(limit)s OFFSET %(offset)s
