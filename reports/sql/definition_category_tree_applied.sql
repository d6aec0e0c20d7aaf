-- Definition of reports_data.category_tree_applied: every category with itself (depth 0) and
-- each of its ancestors, from the catalog as it is; (0, 0, 0) stands for uncategorised.
WITH RECURSIVE tree (category_id, ancestor_id, depth) AS (
    SELECT c.id, c.id, 0 FROM catalog_category AS c
    UNION ALL
    SELECT tree.category_id, c.parent_id, tree.depth + 1
    FROM tree
    JOIN catalog_category AS c ON c.id = tree.ancestor_id
    WHERE c.parent_id IS NOT NULL
)
SELECT category_id, ancestor_id, depth FROM tree
UNION ALL
SELECT 0, 0, 0
