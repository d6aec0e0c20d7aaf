-- The bulk load's history of orders n = %(first)s .. %(last)s (generate_functions.sql): status
-- ids from %(status_base)s + 1 in (n, step) order, order n's id n + %(order_offset)s.
-- The rows arrive in that order (generate_series, then each order's steps in turn), so they are
-- numbered as they stream out: sorting them first would hold every row back until the last.
SELECT %(status_base)s::bigint + row_number() OVER () AS id,
       o.n + %(order_offset)s::bigint AS order_id, h.status, h.created
FROM pg_temp.gen_order(
    %(first)s::bigint, %(last)s::bigint, %(seed)s::bigint, %(customers)s::bigint,
    %(end)s::timestamptz
) AS o
CROSS JOIN LATERAL pg_temp.gen_history(
    o.created_at, o.fate, o.refund_draw, o.delay_draw, %(end)s::timestamptz
) AS h
