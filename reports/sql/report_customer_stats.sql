-- One customer's statistics (GET /api/orders/stats?user=): seed 003's fields first. The dense
-- rank is computed on read: 1 + the distinct revenues above this customer's = the levels of the
-- higher buckets + the levels above it in its own bucket (see reports_data.revenue_bucket).
SELECT s.username AS "user",
       s.orders_count,
       s.total_revenue,
       round(s.total_revenue / nullif(s.completed_orders, 0), 2)::numeric(38, 2)
           AS avg_order_value,
       s.completed_orders,
       s.cancelled_orders,
       s.pending_orders,
       s.first_order_at,
       s.last_order_at,
       1 + coalesce(higher.levels, 0) + (
           SELECT count(*)
           FROM reports_data.revenue_level AS level
           WHERE level.total_revenue > s.total_revenue
             AND level.total_revenue < coalesce(higher.next_bucket, 'Infinity')
       ) AS revenue_rank
FROM reports_data.customer_stats AS s
CROSS JOIN LATERAL (
    SELECT sum(b.levels) AS levels, min(b.bucket) AS next_bucket
    FROM reports_data.revenue_bucket AS b
    WHERE b.bucket > reports_data.revenue_bucket(s.total_revenue)
) AS higher
WHERE s.username = %(username)s
