-- Every history row of the upload in one statement: the statement-level trigger then moves
-- each existing order once (new orders already carry their latest row, so it leaves them).
INSERT INTO orders_orderstatus (id, order_id, status, created)
SELECT coalesce(entry.id, nextval(pg_get_serial_sequence('orders_orderstatus', 'id'))),
       entry.order_id, entry.status, entry.created
FROM jsonb_to_recordset(%(statuses)s::jsonb)
     AS entry(id bigint, order_id bigint, status text, created timestamptz);
