-- pgbench script (bench.peers): an order upsert on a random order, as the upload writes one: the
-- order row first with its new total, then its items replaced by 3 items of the catalog. (The
-- order row first in every script also keeps pg_ivm's view locks in one order: no deadlocks.)
\set order_id random(1, :max_order)
\set sku_a random(0, :max_sku)
\set sku_b random(0, :max_sku)
\set sku_c random(0, :max_sku)
\set quantity random(1, 5)
BEGIN;
UPDATE orders_order
SET total_amount = (SELECT sum(:quantity * c.price)
                    FROM peers_catalog AS c WHERE c.n IN (:sku_a, :sku_b, :sku_c))
WHERE id = :order_id;
DELETE FROM orders_orderitem WHERE order_id = :order_id;
INSERT INTO orders_orderitem (order_id, sku, name, quantity, price)
SELECT :order_id, c.sku, c.name, :quantity, c.price
FROM peers_catalog AS c
WHERE c.n IN (:sku_a, :sku_b, :sku_c);
END;
