-- Body of the statement trigger on catalog_category (insert, update): a category is never its
-- own ancestor. The advisory lock serialises the writers of the tree, so two transactions
-- cannot each add half of a cycle: the second one, after waiting, reads the first one's rows
-- (READ COMMITTED: a new snapshot per statement).
PERFORM pg_advisory_xact_lock(hashtext('catalog_category_tree'));
IF EXISTS (
    WITH RECURSIVE walk (id, parent_id) AS (
        SELECT c.id, c.parent_id
        FROM catalog_category AS c
        WHERE c.id IN (SELECT id FROM new_rows) AND c.parent_id IS NOT NULL
        UNION ALL
        SELECT c.id, c.parent_id
        FROM walk AS w
        JOIN catalog_category AS c ON c.id = w.parent_id
        WHERE c.parent_id IS NOT NULL
    ) CYCLE id SET in_cycle USING path
    SELECT FROM walk WHERE in_cycle
) THEN
    RAISE EXCEPTION 'a category cannot be its own ancestor'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'category_no_cycle';
END IF;
RETURN NULL;
