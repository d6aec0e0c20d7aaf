-- The bulk load's items of orders n = %(first)s .. %(last)s (order n's id n + %(order_offset)s).
SELECT o.n + %(order_offset)s::bigint AS order_id, i.sku, i.name, i.quantity, i.price
FROM pg_temp.gen_order(
    %(first)s::bigint, %(last)s::bigint, %(seed)s::bigint, %(customers)s::bigint,
    %(end)s::timestamptz
) AS o
CROSS JOIN LATERAL pg_temp.gen_item(
    o.n, o.item_count, %(seed)s::bigint, %(products)s::integer
) AS i
