INSERT INTO orders_orderitem (order_id, sku, name, quantity, price)
SELECT *
FROM unnest(%(order_ids)s::bigint[], %(skus)s::text[], %(names)s::text[],
            %(quantities)s::integer[], %(prices)s::numeric[]);
