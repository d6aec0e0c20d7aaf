-- pgbench script (bench.peers): a new Pending order with 3 items for a random customer, the
-- order row (with its total) first, then its items and its first status.
\set customer_id random(1, :max_customer)
\set sku_a random(0, :max_sku)
\set sku_b random(0, :max_sku)
\set sku_c random(0, :max_sku)
\set quantity random(1, 5)
BEGIN;
INSERT INTO orders_order (order_number, created_at, total_amount, customer_id, currency, channel)
SELECT 'peers-' || gen_random_uuid(), now(), sum(:quantity * c.price), :customer_id, 'USD', 'online'
FROM peers_catalog AS c
WHERE c.n IN (:sku_a, :sku_b, :sku_c)
RETURNING id AS new_order_id \gset
INSERT INTO orders_orderitem (order_id, sku, name, quantity, price)
SELECT :new_order_id, c.sku, c.name, :quantity, c.price
FROM peers_catalog AS c
WHERE c.n IN (:sku_a, :sku_b, :sku_c);
INSERT INTO orders_orderstatus (order_id, status, created) VALUES (:new_order_id, 'Pending', now());
END;
