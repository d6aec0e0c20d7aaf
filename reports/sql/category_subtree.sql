-- A category's id and those of its sub-categories at every depth, and how many products they
-- hold (counted through product_category_sku_idx: the ids are one array, a parameter to the
-- count, so the index is used).
WITH RECURSIVE tree (id) AS (
    SELECT id FROM catalog_category WHERE key = %(key)s
    UNION ALL
    SELECT c.id FROM catalog_category AS c JOIN tree ON c.parent_id = tree.id
)
SELECT subtree.ids,
       (SELECT count(*) FROM catalog_product AS p WHERE p.category_id = ANY (subtree.ids))
FROM (SELECT array_agg(id) AS ids FROM tree) AS subtree
