-- A status change on each given order, an hour after its current status: Complete becomes
-- Cancelled (a refund), anything else becomes Complete. The history trigger moves the order.
INSERT INTO orders_orderstatus (order_id, status, created)
SELECT o.id,
       CASE WHEN o.current_status = 'Complete' THEN 'Cancelled' ELSE 'Complete' END,
       coalesce(o.current_status_at, o.created_at) + interval '1 hour'
FROM orders_order AS o
WHERE o.id = ANY(%(ids)s)
ORDER BY o.id
RETURNING id
