-- Seed 002: customers who bought the sku also bought these, most often first (at most 20):
-- the top of also_bought_pair_top_idx for the sku, ranked on read.
SELECT row_number() OVER (ORDER BY pair.orders_together DESC, pair.other_sku) AS rank,
       pair.other_sku AS sku,
       coalesce(product.name, '') AS name,
       pair.orders_together
FROM (
    SELECT p.other_sku, p.orders_together
    FROM reports_data.also_bought_pair AS p
    WHERE p.sku = %(sku)s
    ORDER BY p.orders_together DESC, p.other_sku
    LIMIT least(%(limit)s, 20)
) AS pair
LEFT JOIN reports_data.product_sales AS product ON product.sku = pair.other_sku
ORDER BY pair.orders_together DESC, pair.other_sku
