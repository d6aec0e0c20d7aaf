-- The first row of the prepared status batch alone: a one-row write, after which this session's
-- trigger functions hold plans made for one-row transition tables.
INSERT INTO orders_orderstatus (order_id, status, created)
SELECT order_id, status, created
FROM bench_status_batch
ORDER BY order_id
LIMIT 1
