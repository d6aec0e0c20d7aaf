-- One statement for every history row of the upload: the statement-level trigger then moves
-- each touched order once.
INSERT INTO orders_orderstatus (order_id, status, created)
SELECT *
FROM unnest(%(order_ids)s::bigint[], %(statuses)s::text[], %(createds)s::timestamptz[]);
