-- The shortest cycle the uploaded (key, parent key) pairs would close in the stored tree, as
-- the path of keys walked (its last key repeats one before it), or no row.
WITH RECURSIVE incoming (key, parent_key) AS (
    SELECT t.key, t.parent_key
    FROM unnest(%(keys)s::text[], %(parents)s::text[]) AS t (key, parent_key)
),
edge (key, parent_key) AS (
    SELECT key, parent_key FROM incoming
    UNION ALL
    SELECT c.key, p.key
    FROM catalog_category AS c
    JOIN catalog_category AS p ON p.id = c.parent_id
    WHERE NOT EXISTS (SELECT FROM incoming AS i WHERE i.key = c.key)
),
walk (key, path, closed) AS (
    SELECT i.parent_key, ARRAY[i.key, i.parent_key], i.key = i.parent_key
    FROM incoming AS i
    WHERE i.parent_key IS NOT NULL
    UNION ALL
    SELECT e.parent_key, w.path || e.parent_key, e.parent_key = ANY (w.path)
    FROM walk AS w
    JOIN edge AS e ON e.key = w.key
    WHERE NOT w.closed AND e.parent_key IS NOT NULL
)
SELECT path FROM walk WHERE closed ORDER BY cardinality(path), path LIMIT 1
