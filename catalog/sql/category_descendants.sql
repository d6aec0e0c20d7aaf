-- The ids of a category and of its sub-categories at every depth.
WITH RECURSIVE tree (id) AS (
    SELECT id FROM catalog_category WHERE key = %(key)s
    UNION ALL
    SELECT c.id FROM catalog_category AS c JOIN tree AS t ON c.parent_id = t.id
)
SELECT id FROM tree
