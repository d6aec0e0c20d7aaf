-- Removes what the upload benchmark wrote (the orders of its customers, then the customers),
-- so the dataset stays as generated. Django's foreign keys do not cascade in the database.
WITH customers AS (
    SELECT id FROM orders_customer WHERE username = ANY(%(usernames)s)
),
doomed AS (
    SELECT id FROM orders_order WHERE customer_id IN (SELECT id FROM customers)
),
items AS (
    DELETE FROM orders_orderitem WHERE order_id IN (SELECT id FROM doomed)
),
statuses AS (
    DELETE FROM orders_orderstatus WHERE order_id IN (SELECT id FROM doomed)
)
DELETE FROM orders_order WHERE id IN (SELECT id FROM doomed)
