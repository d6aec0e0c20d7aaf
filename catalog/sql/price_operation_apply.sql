-- One price operation, one statement: the selected products (the skus given, or a category with
-- its sub-categories at every depth) are locked in id order, so two operations on the same
-- products wait for each other and never deadlock; each new price is computed from the row
-- version it updates (after a wait, the other operation's result), so nothing is lost; the
-- operation is recorded with how many products it changed.
WITH RECURSIVE selected_category (id) AS (
    SELECT id FROM catalog_category WHERE key = %(category)s
    UNION ALL
    SELECT c.id
    FROM catalog_category AS c
    JOIN selected_category AS s ON c.parent_id = s.id
),
target AS MATERIALIZED (
    SELECT p.id
    FROM catalog_product AS p
    WHERE p.sku = ANY (%(skus)s::text[])
        OR p.category_id IN (SELECT id FROM selected_category)
    ORDER BY p.id
    FOR NO KEY UPDATE
),
changed AS (
    UPDATE catalog_product AS p
    SET price = round(p.price * %(factor)s::numeric + %(delta)s::numeric, 2), updated_at = now()
    WHERE p.id IN (SELECT id FROM target)
    RETURNING p.id
)
INSERT INTO catalog_priceoperation
    (at, actor, kind, percent, amount, category_id, category_key, skus, products_changed)
SELECT now(), %(actor)s, %(kind)s, %(percent)s, %(amount)s,
       (SELECT id FROM catalog_category WHERE key = %(category)s), coalesce(%(category)s, ''),
       %(skus_json)s::jsonb, count(*)
FROM changed
RETURNING id, products_changed
