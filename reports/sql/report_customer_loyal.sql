-- Seed 001: customers with at least N Complete orders and what they spent, biggest spenders
-- first (revenue_rank, then customer_id as the stable key).
SELECT customer_id,
       username AS "user",
       completed_orders,
       total_revenue,
       avg_order_value,
       orders_count,
       revenue_rank,
       last_order_at
FROM reports.customer_stats
WHERE completed_orders >= %(min_completed_orders)s
ORDER BY revenue_rank, customer_id
LIMIT %(limit)s OFFSET %(offset)s
