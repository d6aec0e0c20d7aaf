-- One page of a cancelled-orders relation (listing_<technique>.sql, composed in as "cancelled"
-- through psycopg2.sql), newest first, at an offset or after a keyset position. With
-- after_at NULL the keyset condition folds to true at planning time.
SELECT cancelled.order_number,
       c.username,
       cancelled.created_at,
       cancelled.total_amount,
       cancelled.cancelled_at
FROM ({cancelled}) AS cancelled
JOIN orders_customer AS c ON c.id = cancelled.customer_id
WHERE (%(after_at)s::timestamptz IS NULL
       OR cancelled.created_at < %(after_at)s
       OR (cancelled.created_at = %(after_at)s AND cancelled.id < %(after_id)s))
ORDER BY cancelled.created_at DESC, cancelled.id DESC
LIMIT %(limit)s OFFSET %(offset)s
