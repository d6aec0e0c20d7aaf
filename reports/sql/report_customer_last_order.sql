-- Seed 002: every customer's last order date (any status; NULL: no order yet), by customer id
-- from the cursor on, read from the stored customer_stats through its primary key.
SELECT s.customer_id, s.username AS "user", s.last_order_at, s.orders_count
FROM reports_data.customer_stats AS s
WHERE s.customer_id > %(after_id)s
ORDER BY s.customer_id
LIMIT %(limit)s
