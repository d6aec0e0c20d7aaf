-- One chunk of demo data for `generateorders`, appended: orders n = %(first)s .. %(last)s.
-- Every value comes from generate_functions.sql, a pure function of (n, seed).
CREATE TEMP TABLE gen_order AS
SELECT o.*, nextval(%(order_sequence)s::regclass) AS id
FROM pg_temp.gen_order(
    %(first)s::bigint, %(last)s::bigint, %(seed)s::bigint, %(customers)s::bigint,
    %(end)s::timestamptz
) AS o;
ANALYZE gen_order;

-- The history goes in before its orders (the foreign key is checked at commit): the insert
-- trigger on the history then finds none of them to lock or move, and each order is written
-- once, below, already carrying its latest row, chosen as the trigger does.
CREATE TEMP TABLE gen_latest AS
WITH history AS (
    INSERT INTO orders_orderstatus (order_id, status, created)
    SELECT o.id, h.status, h.created
    FROM gen_order AS o
    CROSS JOIN LATERAL pg_temp.gen_history(
        o.created_at, o.fate, o.refund_draw, o.delay_draw, %(end)s::timestamptz
    ) AS h
    ORDER BY o.id, h.step
    RETURNING id, order_id, status, created
)
SELECT DISTINCT ON (order_id) order_id, status, created, id
FROM history
ORDER BY order_id, created DESC, id DESC;
ANALYZE gen_latest;

CREATE TEMP TABLE gen_total AS
WITH items AS (
    INSERT INTO orders_orderitem (order_id, sku, name, quantity, price)
    SELECT o.id, i.sku, i.name, i.quantity, i.price
    FROM gen_order AS o
    CROSS JOIN LATERAL pg_temp.gen_item(
        o.n, o.item_count, %(seed)s::bigint, %(products)s::integer
    ) AS i
    RETURNING order_id, quantity * price AS amount
)
SELECT order_id, sum(amount) AS total FROM items GROUP BY order_id;
ANALYZE gen_total;

INSERT INTO orders_order (
    id, order_number, customer_id, created_at, total_amount,
    current_status, current_status_at, current_status_entry_id, currency, channel
)
SELECT o.id, 'GEN-' || lpad(o.n::text, 10, '0'), c.id, o.created_at, totals.total,
       latest.status, latest.created, latest.id,
       pg_temp.gen_pick(o.n, 7, %(seed)s::bigint, %(currencies)s::text[]),
       pg_temp.gen_pick(o.n, 8, %(seed)s::bigint, %(channels)s::text[])
FROM gen_order AS o
JOIN orders_customer AS c ON c.username = o.username
JOIN gen_total AS totals ON totals.order_id = o.id
JOIN gen_latest AS latest ON latest.order_id = o.id;

DROP TABLE gen_order, gen_latest, gen_total;
