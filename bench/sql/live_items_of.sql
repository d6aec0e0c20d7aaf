-- The items of the given orders as they are, to put them back after the benchmark.
SELECT id, order_id, sku, name, quantity, price
FROM orders_orderitem
WHERE order_id = ANY(%(ids)s)
ORDER BY id
