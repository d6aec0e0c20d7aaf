-- Customers by revenue, highest first. customer_id orders the ties of the dense rank, so pages
-- never repeat or skip a customer; customer_stats_rank_idx serves the order.
SELECT revenue_rank,
       customer_id,
       username AS "user",
       total_revenue,
       completed_orders,
       orders_count,
       cancelled_orders,
       pending_orders,
       avg_order_value,
       first_order_at,
       last_order_at
FROM reports.customer_stats
ORDER BY revenue_rank, customer_id
LIMIT %(limit)s OFFSET %(offset)s
