-- The products the item replacements choose from, with each one's newest name and price.
SELECT p.sku, newest.name, newest.price
FROM reports_data.product_sales AS p
CROSS JOIN LATERAL (
    SELECT i.name, i.price
    FROM orders_orderitem AS i
    WHERE i.sku = p.sku
    ORDER BY i.id DESC
    LIMIT 1
) AS newest
ORDER BY p.sku
