-- The uploaded categories by key: new ones inserted (their parents are set next), renamed ones
-- updated, the others untouched. Rows in key order: concurrent uploads lock them in one order.
INSERT INTO catalog_category AS c (key, name, parent_id, created_at, updated_at)
SELECT t.key, t.name, NULL, now(), now()
FROM unnest(%(keys)s::text[], %(names)s::text[]) AS t (key, name)
ORDER BY t.key
ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at
WHERE c.name IS DISTINCT FROM EXCLUDED.name
RETURNING c.key, (c.xmax = 0) AS created
