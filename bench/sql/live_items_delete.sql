DELETE FROM orders_orderitem WHERE order_id = ANY(%(ids)s)
