-- The demo data of `generateorders` as functions of an order's number n and the seed: the same
-- seed gives the same data, whatever the chunks and whichever way the rows go in
-- (generate_orders.sql, generate_copy_*.sql). PostgreSQL inlines these SQL functions into the
-- statements that call them, so they cost no call per row.
CREATE OR REPLACE FUNCTION pg_temp.gen_random(n bigint, salt integer, seed bigint)
RETURNS double precision LANGUAGE sql IMMUTABLE AS
$$ SELECT (hashint8extended(n, seed * 1000 + salt) & 9007199254740991)::double precision
          / 9007199254740992.0 $$;

-- The draws of orders first .. last. Customers are drawn by their number (customer_<k>), the
-- small numbers more often.
CREATE OR REPLACE FUNCTION pg_temp.gen_order(
    first bigint, last bigint, seed bigint, customers bigint, end_at timestamptz
)
RETURNS TABLE (
    n bigint, username text, created_at timestamptz, fate double precision,
    refund_draw double precision, delay_draw double precision, item_count integer
)
LANGUAGE sql STABLE AS
$$
SELECT g.n,
       'customer_' || lpad(
           (1 + floor(customers * pg_temp.gen_random(g.n, 1, seed) ^ 2))::bigint::text, 7, '0'
       ),
       date_trunc('second', end_at - pg_temp.gen_random(g.n, 2, seed) * interval '730 days'),
       pg_temp.gen_random(g.n, 3, seed),
       pg_temp.gen_random(g.n, 4, seed),
       pg_temp.gen_random(g.n, 5, seed),
       1 + floor(5 * pg_temp.gen_random(g.n, 6, seed))::integer
FROM generate_series(first, last) AS g(n)
$$;

-- An order's history: Pending at creation; 60% paid within the hour, 10% of those refunded
-- within 30 days; 25% fail payment; the rest stay Pending. Nothing is dated after end_at, so
-- the last step is also the latest by (created, id) when the ids follow the steps.
CREATE OR REPLACE FUNCTION pg_temp.gen_history(
    created_at timestamptz, fate double precision, refund_draw double precision,
    delay_draw double precision, end_at timestamptz
)
RETURNS TABLE (step integer, status text, created timestamptz)
LANGUAGE sql IMMUTABLE AS
$$
SELECT s.step, s.status, least(s.created, end_at)
FROM (
    VALUES
        (1, 'Pending', created_at),
        (2,
         CASE WHEN fate < 0.60 THEN 'Complete' WHEN fate < 0.85 THEN 'Cancelled' END,
         created_at + (1 + 59 * delay_draw) * interval '1 minute'),
        (3,
         CASE WHEN fate < 0.60 AND refund_draw < 0.10 THEN 'Cancelled' END,
         created_at + (1 + 59 * delay_draw) * interval '1 minute'
             + (1 + 29 * refund_draw * 10) * interval '1 day')
) AS s(step, status, created)
WHERE s.status IS NOT NULL
$$;

-- The catalog (catalog_category, catalog_product; catalog/sql/generate_catalog.sql): 8
-- top-level categories of 4 sub-categories of 5 each (200 categories), and products 0 .. P-1
-- that do not depend on the seed: product p's leaf category, list price (2 to 2,000,
-- log-uniform), rating (none for 1 in 10) and active flag are functions of p alone.
CREATE OR REPLACE FUNCTION pg_temp.gen_category_key(top integer, mid integer, leaf integer)
RETURNS text LANGUAGE sql IMMUTABLE AS
$$
SELECT (ARRAY['tea', 'coffee', 'kitchen', 'home', 'garden', 'books', 'toys', 'sports'])[top]
       || CASE WHEN mid IS NULL THEN '' ELSE '-' || mid END
       || CASE WHEN leaf IS NULL THEN '' ELSE '-' || leaf END
$$;

CREATE OR REPLACE FUNCTION pg_temp.gen_product(p integer)
RETURNS TABLE (
    sku text, name text, price numeric, category_key text, rating numeric, active boolean
)
LANGUAGE sql IMMUTABLE AS
$$
SELECT 'SKU-' || lpad(p::text, greatest(4, length(p::text)), '0'),
       (ARRAY['Green', 'Black', 'Oolong', 'White', 'Herbal', 'Smoky', 'Jasmine', 'Mint',
              'Earl Grey', 'Ginger'])[1 + p % 10]
       || ' ' ||
       (ARRAY['tea', 'cup', 'teapot', 'mug', 'kettle', 'strainer', 'tray', 'caddy', 'saucer',
              'infuser', 'gift box', 'sampler', 'tin', 'spoon', 'coaster', 'jar', 'pot warmer',
              'tea towel', 'cosy', 'timer'])[1 + (p / 10) % 20]
       || CASE WHEN p >= 200 THEN ' No. ' || p / 200 ELSE '' END,
       round((2 * 1000 ^ pg_temp.gen_random(p, 0, 0))::numeric, 2),
       pg_temp.gen_category_key(
           1 + (hashint8extended(p, 1) & 1048575)::integer % 160 / 20,
           1 + (hashint8extended(p, 1) & 1048575)::integer % 20 / 5,
           1 + (hashint8extended(p, 1) & 1048575)::integer % 5
       ),
       CASE WHEN pg_temp.gen_random(p, 2, 0) >= 0.1
            THEN round((1 + 4 * sqrt(pg_temp.gen_random(p, 3, 0)))::numeric, 1) END,
       pg_temp.gen_random(p, 4, 0) >= 0.03
$$;

-- An order's 1 to 5 items: distinct products of the catalog's P, drawn with Zipf-like
-- popularity (product p with a probability about 1 / ((p + 1) ln P): a few products are in
-- most orders, most sell rarely); a product drawn twice is one line. The price paid is the
-- product's list price.
CREATE OR REPLACE FUNCTION pg_temp.gen_item(
    n bigint, item_count integer, seed bigint, products integer
)
RETURNS TABLE (k integer, sku text, name text, quantity integer, price numeric)
LANGUAGE sql IMMUTABLE AS
$$
SELECT d.k, pr.sku, pr.name,
       1 + floor(4 * pg_temp.gen_random(n * 8 + d.k, 8, seed) ^ 3)::integer, pr.price
FROM (
    SELECT DISTINCT ON (draw.p) draw.k, draw.p
    FROM (
        SELECT k.k,
               least(products - 1,
                     floor((products + 1) ^ pg_temp.gen_random(n * 8 + k.k, 9, seed)) - 1
               )::integer AS p
        FROM generate_series(1, item_count) AS k(k)
    ) AS draw
    ORDER BY draw.p, draw.k
) AS d
CROSS JOIN LATERAL pg_temp.gen_product(d.p) AS pr
$$;

-- An order's currency and channel: one of the lists given, each equally likely.
CREATE OR REPLACE FUNCTION pg_temp.gen_pick(n bigint, salt integer, seed bigint, choices text[])
RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT choices[1 + floor(cardinality(choices) * pg_temp.gen_random(n, salt, seed))::integer] $$;
