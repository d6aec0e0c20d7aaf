-- The orders whose items were replaced get the total of their new items.
UPDATE orders_order AS o
SET total_amount = items.total
FROM (
    SELECT order_id, sum(quantity * price) AS total
    FROM orders_orderitem
    WHERE order_id = ANY(%(ids)s)
    GROUP BY order_id
) AS items
WHERE o.id = items.order_id AND o.total_amount <> items.total
