-- Items given as one JSON array; `id` may be null (a new item) or an item's old id (restore).
INSERT INTO orders_orderitem (id, order_id, sku, name, quantity, price)
SELECT coalesce(i.id, nextval(pg_get_serial_sequence('orders_orderitem', 'id'))),
       i.order_id, i.sku, i.name, i.quantity, i.price
FROM jsonb_to_recordset(%(items)s::jsonb)
     AS i(id bigint, order_id bigint, sku text, name text, quantity integer, price numeric)
ORDER BY i.order_id, i.id
