-- The uploaded products by sku: new ones inserted, changed ones updated, the others untouched.
-- Rows in sku order: concurrent uploads lock them in one order.
INSERT INTO catalog_product AS p
    (sku, name, category_id, price, rating, active, created_at, updated_at)
SELECT t.sku, t.name, c.id, t.price, t.rating, t.active, now(), now()
FROM unnest(
    %(skus)s::text[], %(names)s::text[], %(categories)s::text[], %(prices)s::numeric[],
    %(ratings)s::numeric[], %(actives)s::boolean[]
) AS t (sku, name, category_key, price, rating, active)
LEFT JOIN catalog_category AS c ON c.key = t.category_key
ORDER BY t.sku
ON CONFLICT (sku) DO UPDATE SET
    name = EXCLUDED.name,
    category_id = EXCLUDED.category_id,
    price = EXCLUDED.price,
    rating = EXCLUDED.rating,
    active = EXCLUDED.active,
    updated_at = EXCLUDED.updated_at
WHERE (p.name, p.category_id, p.price, p.rating, p.active)
    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category_id, EXCLUDED.price, EXCLUDED.rating,
                      EXCLUDED.active)
RETURNING (p.xmax = 0) AS created
