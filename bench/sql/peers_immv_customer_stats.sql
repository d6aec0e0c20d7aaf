-- The per-customer stats pg_ivm maintains (bench.peers): what create_immv accepts of
-- reports.customer_stats. No FILTER, so the status split is a count of CASE per status; an inner
-- join (aggregates over a LEFT JOIN are refused), so customers without orders are missing; no
-- average, rank or distinct counts.
SELECT o.customer_id,
       count(*) AS orders_count,
       sum(CASE WHEN o.current_status = 'Complete' THEN 1 ELSE 0 END) AS completed_orders,
       sum(CASE WHEN o.current_status = 'Cancelled' THEN 1 ELSE 0 END) AS cancelled_orders,
       sum(CASE WHEN o.current_status = 'Pending' THEN 1 ELSE 0 END) AS pending_orders,
       sum(CASE WHEN o.current_status = 'Complete' THEN o.total_amount ELSE 0 END)
           AS total_revenue,
       min(o.created_at) AS first_order_at,
       max(o.created_at) AS last_order_at
FROM orders_order AS o
GROUP BY o.customer_id
