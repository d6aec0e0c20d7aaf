-- Definition of every "bought together" pair: for each sku, each other sku found in the same
-- order and in how many orders that are not Cancelled. reports.also_bought keeps the top 20.
-- Only baskets of at most (SELECT max_skus FROM reports_definition.also_bought_basket) distinct skus count: a wider
-- order (a wholesale restock, a catalog dump) says little about what goes together, and its
-- pairs would grow with the square of its width (docs/DESIGN.md §6).
WITH basket AS (
    SELECT DISTINCT i.order_id, i.sku
    FROM orders_orderitem AS i
    JOIN orders_order AS o ON o.id = i.order_id
    WHERE o.current_status IS DISTINCT FROM 'Cancelled'
),
counted AS (
    SELECT order_id
    FROM basket
    GROUP BY order_id
    HAVING count(*) BETWEEN 2 AND (SELECT max_skus FROM reports_definition.also_bought_basket)
)
SELECT a.sku, b.sku AS other_sku, count(*) AS orders_together
FROM counted
JOIN basket AS a ON a.order_id = counted.order_id
JOIN basket AS b ON b.order_id = a.order_id AND b.sku <> a.sku
GROUP BY a.sku, b.sku
