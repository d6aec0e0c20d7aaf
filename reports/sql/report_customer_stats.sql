-- One customer's statistics (GET /api/orders/stats?user=): seed 003's fields first.
SELECT username AS "user",
       orders_count,
       total_revenue,
       avg_order_value,
       completed_orders,
       cancelled_orders,
       pending_orders,
       first_order_at,
       last_order_at,
       revenue_rank
FROM reports.customer_stats
WHERE username = %(username)s
