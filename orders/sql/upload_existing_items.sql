SELECT order_id, sku, name, quantity, price
FROM orders_orderitem
WHERE order_id = ANY (%(order_ids)s::bigint[]);
