-- Every history row of the upload in one statement: the statement-level trigger then moves
-- each existing order once (new orders already carry their latest row, so it leaves them).
-- A row identical to one the order has (same status, same time) is not written again: the same
-- document sent twice, even by two uploads at once, records its status event once (the unique
-- constraint orderstatus_one_row_per_event decides). Returns the orders that got a row.
INSERT INTO orders_orderstatus (id, order_id, status, created)
SELECT coalesce(entry.id, nextval(pg_get_serial_sequence('orders_orderstatus', 'id'))),
       entry.order_id, entry.status, entry.created
FROM jsonb_to_recordset(%(statuses)s::jsonb)
     AS entry(id bigint, order_id bigint, status text, created timestamptz)
ON CONFLICT (order_id, created, status) DO NOTHING
RETURNING order_id;
