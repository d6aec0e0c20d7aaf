-- A category's id and those of its sub-categories at every depth, and how many products they
-- hold (counted through product_category_sku_idx).
WITH RECURSIVE tree (id) AS (
    SELECT id FROM catalog_category WHERE key = %(key)s
    UNION ALL
    SELECT c.id FROM catalog_category AS c JOIN tree ON c.parent_id = tree.id
)
SELECT array_agg(tree.id),
       (SELECT count(*) FROM catalog_product AS p WHERE p.category_id IN (SELECT id FROM tree))
FROM tree
