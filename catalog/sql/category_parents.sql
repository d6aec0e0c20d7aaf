-- Each uploaded category's parent, set where it differs (the trigger refuses a cycle).
UPDATE catalog_category AS c
SET parent_id = p.id, updated_at = now()
FROM unnest(%(keys)s::text[], %(parents)s::text[]) AS t (key, parent_key)
LEFT JOIN catalog_category AS p ON p.key = t.parent_key
WHERE c.key = t.key AND c.parent_id IS DISTINCT FROM p.id
RETURNING c.key
