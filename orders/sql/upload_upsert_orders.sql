-- Insert new orders; update the fields of this customer's existing ones when they differ.
-- Another customer's order is neither inserted nor updated (nor returned): the caller refuses it.
-- (xmax = 0) tells a fresh insert from an update.
INSERT INTO orders_order (order_number, customer_id, created_at, total_amount)
SELECT number, %(customer_id)s, created_at, total_amount
FROM unnest(%(numbers)s::text[], %(created_ats)s::timestamptz[], %(totals)s::numeric[])
     AS incoming(number, created_at, total_amount)
ORDER BY number  -- concurrent uploads take their row locks in one order: no deadlock
ON CONFLICT (order_number) DO UPDATE
SET created_at = EXCLUDED.created_at,
    total_amount = EXCLUDED.total_amount
WHERE orders_order.customer_id = EXCLUDED.customer_id
  AND (orders_order.created_at, orders_order.total_amount)
      IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.total_amount)
RETURNING id, order_number, (xmax = 0) AS inserted;
