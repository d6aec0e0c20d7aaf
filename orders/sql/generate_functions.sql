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
    refund_draw double precision, delay_draw double precision, item_count integer,
    first_product integer
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
       1 + floor(5 * pg_temp.gen_random(g.n, 6, seed))::integer,
       floor(200 * pg_temp.gen_random(g.n, 7, seed) ^ 2)::integer
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

-- A stable catalog of 200 products (0 .. 199): names and prices do not depend on the seed.
CREATE OR REPLACE FUNCTION pg_temp.gen_product(p integer)
RETURNS TABLE (sku text, name text, price numeric)
LANGUAGE sql IMMUTABLE AS
$$
SELECT 'SKU-' || lpad(p::text, 4, '0'),
       (ARRAY['Green', 'Black', 'Oolong', 'White', 'Herbal', 'Smoky', 'Jasmine', 'Mint',
              'Earl Grey', 'Ginger'])[1 + p % 10]
       || ' ' ||
       (ARRAY['tea', 'cup', 'teapot', 'mug', 'kettle', 'strainer', 'tray', 'caddy', 'saucer',
              'infuser', 'gift box', 'sampler', 'tin', 'spoon', 'coaster', 'jar', 'pot warmer',
              'tea towel', 'cosy', 'timer'])[1 + (p / 10) % 20],
       round(2 + 198 * ((hashint8extended(p, 0) & 1048575)::numeric / 1048576), 2)
$$;

-- An order's 1 to 5 items: distinct products, popular products drawn more often.
CREATE OR REPLACE FUNCTION pg_temp.gen_item(
    n bigint, item_count integer, first_product integer, seed bigint
)
RETURNS TABLE (k integer, sku text, name text, quantity integer, price numeric)
LANGUAGE sql IMMUTABLE AS
$$
SELECT k.k, pr.sku, pr.name,
       1 + floor(4 * pg_temp.gen_random(n * 8 + k.k, 8, seed) ^ 3)::integer, pr.price
FROM generate_series(1, item_count) AS k(k)
CROSS JOIN LATERAL pg_temp.gen_product((first_product + k.k * 37) % 200) AS pr
$$;
