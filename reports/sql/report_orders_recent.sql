-- Seed 002: the orders created in the last %(days)s days with more than %(more_than_items)s
-- item lines, newest first, live from the orders. Walks order_recent_idx (created_at DESC,
-- id DESC) from the cursor, counting each order's lines through the order_id index, until the
-- page is full: a page costs the orders it passes, not the table.
SELECT o.id AS order_id,
       o.order_number,
       c.username AS "user",
       o.created_at,
       o.current_status AS status,
       o.total_amount,
       o.currency,
       o.channel,
       items.lines AS item_lines,
       items.units
FROM orders_order AS o
JOIN orders_customer AS c ON c.id = o.customer_id
CROSS JOIN LATERAL (
    SELECT count(*) AS lines, coalesce(sum(i.quantity), 0) AS units
    FROM orders_orderitem AS i
    WHERE i.order_id = o.id
) AS items
WHERE o.created_at >= statement_timestamp() - make_interval(days => %(days)s)
  AND (o.created_at, o.id) < (%(before_at)s, %(before_id)s)
  AND items.lines > %(more_than_items)s
ORDER BY o.created_at DESC, o.id DESC
LIMIT %(limit)s
