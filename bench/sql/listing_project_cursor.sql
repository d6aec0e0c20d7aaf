-- The SQL the cancelled endpoint runs for ?cursor= (reports.cancelled.cancelled_after), written
-- out for psycopg2: a range start on the partial index at the last (created_at, id) seen.
SELECT o.order_number,
       c.username,
       o.created_at,
       o.total_amount,
       o.current_status_at
FROM orders_order AS o
JOIN orders_customer AS c ON c.id = o.customer_id
WHERE o.current_status = %(status)s
  AND o.created_at <= %(after_at)s
  AND (o.created_at < %(after_at)s OR o.id < %(after_id)s)
ORDER BY o.created_at DESC, o.id DESC
LIMIT %(limit)s
