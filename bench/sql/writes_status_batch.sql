-- The status rows every write-cost variant inserts: one per order for `rows` orders spread over
-- the whole table (every step-th id), alternately Complete and Cancelled, an hour after the
-- order's current status, so each row moves its order forward (the triggers' worst case).
CREATE TEMPORARY TABLE bench_status_batch AS
SELECT o.id AS order_id,
       CASE WHEN o.id %% 2 = 0 THEN %(complete)s ELSE %(cancelled)s END AS status,
       coalesce(o.current_status_at, o.created_at) + interval '1 hour' AS created
FROM orders_order AS o
WHERE o.id %% %(step)s = 0
ORDER BY o.id
LIMIT %(rows)s
