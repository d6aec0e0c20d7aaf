-- pgbench script (bench.peers): a status change on a random order, an hour after its current
-- status: Complete becomes Cancelled (a refund), anything else becomes Complete.
\set order_id random(1, :max_order)
INSERT INTO orders_orderstatus (order_id, status, created)
SELECT o.id,
       CASE WHEN o.current_status = 'Complete' THEN 'Cancelled' ELSE 'Complete' END,
       coalesce(o.current_status_at, o.created_at) + interval '1 hour'
FROM orders_order AS o
WHERE o.id = :order_id
ON CONFLICT DO NOTHING;
