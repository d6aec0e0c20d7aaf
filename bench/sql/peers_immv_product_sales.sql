-- The per-product sales pg_ivm maintains (bench.peers): what create_immv accepts of
-- reports.product_sales. Units and revenue of Complete orders through CASE (no FILTER); no
-- count(DISTINCT order), newest name, or ranks.
SELECT i.sku,
       sum(CASE WHEN o.current_status = 'Complete' THEN i.quantity ELSE 0 END) AS units_sold,
       sum(CASE WHEN o.current_status = 'Complete' THEN i.quantity * i.price ELSE 0 END)
           AS revenue,
       count(*) AS order_lines
FROM orders_orderitem AS i
JOIN orders_order AS o ON o.id = i.order_id
GROUP BY i.sku
