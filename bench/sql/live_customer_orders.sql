-- Every order of the given customers with what an upload of it says (its items unchanged), for
-- the re-uploads of the live benchmark.
SELECT c.username,
       o.id,
       o.order_number,
       o.created_at,
       o.total_amount,
       o.current_status,
       coalesce(o.current_status_at, o.created_at) AS status_at,
       coalesce(items.items, '[]')::text AS items  -- text: prices parse as Decimal
FROM orders_customer AS c
JOIN orders_order AS o ON o.customer_id = c.id
CROSS JOIN LATERAL (
    SELECT jsonb_agg(
               jsonb_build_object(
                   'sku', i.sku, 'name', i.name, 'quantity', i.quantity, 'price', i.price
               )
               ORDER BY i.id
           ) AS items
    FROM orders_orderitem AS i
    WHERE i.order_id = o.id
) AS items
WHERE c.id = ANY(%(customers)s)
ORDER BY c.id, o.id
