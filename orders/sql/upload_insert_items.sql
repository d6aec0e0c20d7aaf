INSERT INTO orders_orderitem (order_id, sku, name, quantity, price)
SELECT item.order_id, item.sku, item.name, item.quantity, item.price
FROM jsonb_to_recordset(%(items)s::jsonb)
     AS item(order_id bigint, sku text, name text, quantity integer, price numeric);
