-- The timed statement of every write-cost variant: one bulk INSERT of the prepared rows.
INSERT INTO orders_orderstatus (order_id, status, created)
SELECT order_id, status, created
FROM bench_status_batch
ORDER BY order_id
