-- The bulk load's orders n = %(first)s .. %(last)s, each carrying its latest status: the last
-- step of its history (gen_history: no step is dated before the previous one, and the ids
-- generate_copy_statuses.sql gives follow the steps), whose id is %(status_base)s + the count
-- of every history row up to it, summed as the orders stream out in n order (as there).
-- gen_customer: the generating connection's copy of orders_customer (orders.generation).
SELECT o.n + %(order_offset)s::bigint AS id, 'GEN-' || lpad(o.n::text, 10, '0'), c.id,
       o.created_at, o.total, o.status, o.created, o.status_id,
       pg_temp.gen_pick(o.n, 7, %(seed)s::bigint, %(currencies)s::text[]),
       pg_temp.gen_pick(o.n, 8, %(seed)s::bigint, %(channels)s::text[])
FROM (
    SELECT o.n, o.username, o.created_at, totals.total, latest.status, latest.created,
           %(status_base)s::bigint
           + (sum(latest.steps) OVER (ROWS UNBOUNDED PRECEDING))::bigint AS status_id
    FROM pg_temp.gen_order(
        %(first)s::bigint, %(last)s::bigint, %(seed)s::bigint, %(customers)s::bigint,
        %(end)s::timestamptz
    ) AS o
    CROSS JOIN LATERAL (
        SELECT sum(i.quantity * i.price) AS total
        FROM pg_temp.gen_item(
            o.n, o.item_count, %(seed)s::bigint, %(products)s::integer
        ) AS i
    ) AS totals
    CROSS JOIN LATERAL (
        SELECT (array_agg(h.status))[count(*)] AS status, max(h.created) AS created,
               count(*) AS steps
        FROM pg_temp.gen_history(
            o.created_at, o.fate, o.refund_draw, o.delay_draw, %(end)s::timestamptz
        ) AS h
    ) AS latest
) AS o
JOIN gen_customer AS c ON c.username = o.username
