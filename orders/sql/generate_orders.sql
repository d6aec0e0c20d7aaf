-- One chunk of demo data for `generateorders`: orders n = %(first)s .. %(last)s.
-- Every value is a pure function of (n, seed), so the same seed gives the same data.
CREATE OR REPLACE FUNCTION pg_temp.gen_random(n bigint, salt integer, seed bigint)
RETURNS double precision LANGUAGE sql IMMUTABLE AS
$$ SELECT (hashint8extended(n, seed * 1000 + salt) & 9007199254740991)::double precision
          / 9007199254740992.0 $$;

CREATE TEMP TABLE gen_order AS
SELECT g.n,
       nextval(pg_get_serial_sequence('orders_order', 'id')) AS id,
       'GEN-' || lpad(g.n::text, 10, '0') AS order_number,
       'customer_' || lpad(
           (1 + floor(%(customers)s * pg_temp.gen_random(g.n, 1, %(seed)s) ^ 2))::bigint::text, 7, '0'
       ) AS username,
       date_trunc('second', %(end)s::timestamptz
                  - pg_temp.gen_random(g.n, 2, %(seed)s) * interval '730 days') AS created_at,
       pg_temp.gen_random(g.n, 3, %(seed)s) AS fate,
       pg_temp.gen_random(g.n, 4, %(seed)s) AS refund_draw,
       pg_temp.gen_random(g.n, 5, %(seed)s) AS delay_draw,
       1 + floor(5 * pg_temp.gen_random(g.n, 6, %(seed)s))::integer AS item_count,
       floor(200 * pg_temp.gen_random(g.n, 7, %(seed)s) ^ 2)::integer AS first_product
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g(n);

-- A stable catalog of 200 products: names and prices do not depend on the seed.
CREATE TEMP TABLE gen_product AS
SELECT p.p,
       'SKU-' || lpad(p.p::text, 4, '0') AS sku,
       (ARRAY['Green', 'Black', 'Oolong', 'White', 'Herbal', 'Smoky', 'Jasmine', 'Mint',
              'Earl Grey', 'Ginger'])[1 + p.p %% 10]
       || ' ' ||
       (ARRAY['tea', 'cup', 'teapot', 'mug', 'kettle', 'strainer', 'tray', 'caddy', 'saucer',
              'infuser', 'gift box', 'sampler', 'tin', 'spoon', 'coaster', 'jar', 'pot warmer',
              'tea towel', 'cosy', 'timer'])[1 + (p.p / 10) %% 20] AS name,
       round(2 + 198 * ((hashint8extended(p.p, 0) & 1048575)::numeric / 1048576), 2) AS price
FROM generate_series(0, 199) AS p(p);

-- 1 to 5 distinct products per order, popular products drawn more often.
CREATE TEMP TABLE gen_item AS
SELECT o.id AS order_id, k.k, pr.sku, pr.name, pr.price,
       1 + floor(4 * pg_temp.gen_random(o.n * 8 + k.k, 8, %(seed)s) ^ 3)::integer AS quantity
FROM gen_order AS o
CROSS JOIN LATERAL generate_series(1, o.item_count) AS k(k)
JOIN gen_product AS pr ON pr.p = (o.first_product + k.k * 37) %% 200;

-- Pending at creation; 60%% paid within the hour, 10%% of those refunded within 30 days;
-- 25%% fail payment; the rest stay Pending. Nothing is dated after %(end)s.
CREATE TEMP TABLE gen_status AS
SELECT o.id AS order_id, s.step, s.status, least(s.created, %(end)s::timestamptz) AS created
FROM gen_order AS o
CROSS JOIN LATERAL (
    VALUES
        (1, 'Pending', o.created_at),
        (2,
         CASE WHEN o.fate < 0.60 THEN 'Complete' WHEN o.fate < 0.85 THEN 'Cancelled' END,
         o.created_at + (1 + 59 * o.delay_draw) * interval '1 minute'),
        (3,
         CASE WHEN o.fate < 0.60 AND o.refund_draw < 0.10 THEN 'Cancelled' END,
         o.created_at + (1 + 59 * o.delay_draw) * interval '1 minute'
             + (1 + 29 * o.refund_draw * 10) * interval '1 day')
) AS s(step, status, created)
WHERE s.status IS NOT NULL;

-- The history goes in first (the foreign key is checked at commit) so that each order is
-- written once, already carrying its latest status; the insert trigger on the history fires
-- at the end of the statement, finds every order current, and moves nothing.
WITH history AS (
    INSERT INTO orders_orderstatus (order_id, status, created)
    SELECT order_id, status, created FROM gen_status ORDER BY order_id, step
    RETURNING id, order_id, status, created
)
INSERT INTO orders_order (
    id, order_number, customer_id, created_at, total_amount,
    current_status, current_status_at, current_status_entry_id
)
SELECT o.id, o.order_number, c.id, o.created_at, totals.total,
       latest.status, latest.created, latest.id
FROM gen_order AS o
JOIN orders_customer AS c ON c.username = o.username
JOIN (SELECT order_id, sum(quantity * price) AS total FROM gen_item GROUP BY order_id) AS totals
  ON totals.order_id = o.id
JOIN (
    SELECT DISTINCT ON (order_id) order_id, status, created, id
    FROM history
    ORDER BY order_id, created DESC, id DESC
) AS latest ON latest.order_id = o.id;

INSERT INTO orders_orderitem (order_id, sku, name, quantity, price)
SELECT order_id, sku, name, quantity, price FROM gen_item;

DROP TABLE gen_order, gen_product, gen_item, gen_status;
