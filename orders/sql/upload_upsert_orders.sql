-- Insert new orders (with pre-drawn ids and their latest status); update the fields of this
-- customer's existing ones when they differ. Another customer's order is neither inserted nor
-- updated (nor returned): the caller refuses it. (xmax = 0) tells a fresh insert from an
-- update. Rows arrive as one JSON array parameter.
INSERT INTO orders_order (
    id, order_number, customer_id, created_at, total_amount,
    current_status, current_status_at, current_status_entry_id
)
SELECT coalesce(incoming.id, nextval(pg_get_serial_sequence('orders_order', 'id'))),
       incoming.order_number, %(customer_id)s, incoming.created_at, incoming.total_amount,
       incoming.current_status, incoming.current_status_at, incoming.current_status_entry_id
FROM jsonb_to_recordset(%(orders)s::jsonb) AS incoming(
    id bigint, order_number text, created_at timestamptz, total_amount numeric,
    current_status text, current_status_at timestamptz, current_status_entry_id bigint
)
ORDER BY incoming.order_number  -- concurrent uploads take their row locks in one order
ON CONFLICT (order_number) DO UPDATE
SET created_at = EXCLUDED.created_at,
    total_amount = EXCLUDED.total_amount
WHERE orders_order.customer_id = EXCLUDED.customer_id
  AND (orders_order.created_at, orders_order.total_amount)
      IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.total_amount)
RETURNING id, order_number, (xmax = 0) AS inserted;
