-- Definition of every "bought together" pair: for each sku, each other sku found in the same
-- order and in how many orders that are not Cancelled. reports.also_bought keeps the top 20.
WITH basket AS (
    SELECT DISTINCT i.order_id, i.sku
    FROM orders_orderitem AS i
    JOIN orders_order AS o ON o.id = i.order_id
    WHERE o.current_status IS DISTINCT FROM 'Cancelled'
)
SELECT a.sku, b.sku AS other_sku, count(*) AS orders_together
FROM basket AS a
JOIN basket AS b ON b.order_id = a.order_id AND b.sku <> a.sku
GROUP BY a.sku, b.sku
