-- bench.peers, on its copy of a dataset: the catalog the write scripts pick skus from (each
-- sku's newest name and price, numbered from 0) and the customer whose orders the probe adds.
-- The generated ids are dense (1..max), which the scripts' random ids rely on.
DROP TABLE IF EXISTS peers_catalog;
CREATE TABLE peers_catalog AS
SELECT (row_number() OVER (ORDER BY sku) - 1)::int AS n, sku, name, price
FROM (
    SELECT DISTINCT ON (i.sku) i.sku, i.name, i.price
    FROM orders_orderitem AS i
    ORDER BY i.sku, i.id DESC
) AS newest;
CREATE UNIQUE INDEX peers_catalog_n ON peers_catalog (n);
ANALYZE peers_catalog;
INSERT INTO orders_customer (username) VALUES (%(probe)s) ON CONFLICT (username) DO NOTHING;
SELECT (SELECT max(id) FROM orders_order) AS max_order,
       (SELECT max(id) FROM orders_customer WHERE username <> %(probe)s) AS max_customer,
       (SELECT max(n) FROM peers_catalog) AS max_sku,
       (SELECT id FROM orders_customer WHERE username = %(probe)s) AS probe_customer
