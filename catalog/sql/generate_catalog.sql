-- The generated catalog (orders.generation, generateorders): the 200 categories and products
-- 0 .. %(products)s - 1 of generate_functions.sql. Existing rows are kept.
INSERT INTO catalog_category (key, name, parent_id, created_at, updated_at)
SELECT pg_temp.gen_category_key(top, NULL, NULL),
       initcap(pg_temp.gen_category_key(top, NULL, NULL)), NULL, now(), now()
FROM generate_series(1, 8) AS top
ON CONFLICT (key) DO NOTHING;

INSERT INTO catalog_category (key, name, parent_id, created_at, updated_at)
SELECT pg_temp.gen_category_key(top, mid, NULL),
       initcap(pg_temp.gen_category_key(top, NULL, NULL)) || ' ' || mid, parent.id, now(), now()
FROM generate_series(1, 8) AS top
CROSS JOIN generate_series(1, 4) AS mid
JOIN catalog_category AS parent ON parent.key = pg_temp.gen_category_key(top, NULL, NULL)
ON CONFLICT (key) DO NOTHING;

INSERT INTO catalog_category (key, name, parent_id, created_at, updated_at)
SELECT pg_temp.gen_category_key(top, mid, leaf),
       initcap(pg_temp.gen_category_key(top, NULL, NULL)) || ' ' || mid || '.' || leaf,
       parent.id, now(), now()
FROM generate_series(1, 8) AS top
CROSS JOIN generate_series(1, 4) AS mid
CROSS JOIN generate_series(1, 5) AS leaf
JOIN catalog_category AS parent ON parent.key = pg_temp.gen_category_key(top, mid, NULL)
ON CONFLICT (key) DO NOTHING;

INSERT INTO catalog_product
    (sku, name, category_id, price, rating, active, created_at, updated_at)
SELECT pr.sku, pr.name, c.id, pr.price, pr.rating, pr.active, now(), now()
FROM generate_series(0, %(products)s - 1) AS p
CROSS JOIN LATERAL pg_temp.gen_product(p) AS pr
JOIN catalog_category AS c ON c.key = pr.category_key
ORDER BY pr.sku
ON CONFLICT (sku) DO NOTHING;
ANALYZE catalog_category;
ANALYZE catalog_product;
