-- The SQL the cancelled endpoint runs for ?page= (reports.cancelled.cancelled_page), written
-- out for psycopg2: the page's ids from an index-only scan of the partial index
-- order_cancelled_recent_idx, then only those rows.
SELECT o.order_number,
       c.username,
       o.created_at,
       o.total_amount,
       o.current_status_at
FROM orders_order AS o
JOIN orders_customer AS c ON c.id = o.customer_id
WHERE o.current_status = %(status)s
  AND o.id IN (
      SELECT u.id
      FROM orders_order AS u
      WHERE u.current_status = %(status)s
      ORDER BY u.created_at DESC, u.id DESC
      LIMIT %(limit)s OFFSET %(offset)s
  )
ORDER BY o.created_at DESC, o.id DESC
