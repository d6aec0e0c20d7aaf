-- A one-row write before the timed batch: the first row of the prepared status batch, a second
-- earlier (the same event again would be refused as a duplicate by
-- orderstatus_one_row_per_event), after which this session's trigger functions hold plans made
-- for one-row transition tables.
INSERT INTO orders_orderstatus (order_id, status, created)
SELECT order_id, status, created - interval '1 second'
FROM bench_status_batch
ORDER BY order_id
LIMIT 1
