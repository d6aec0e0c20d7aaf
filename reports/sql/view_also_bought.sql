-- reports.also_bought (reports.models.AlsoBought): the top 20 of the stored pairs per sku,
-- ranked on read through also_bought_pair_top_idx.
SELECT ranked.sku,
       ranked.other_sku,
       coalesce(product.name, '') AS other_name,
       ranked.orders_together,
       ranked.rank
FROM (
    SELECT pair.*,
           row_number() OVER (
               PARTITION BY pair.sku ORDER BY pair.orders_together DESC, pair.other_sku
           ) AS rank
    FROM reports_data.also_bought_pair AS pair
) AS ranked
LEFT JOIN reports_data.product_sales AS product ON product.sku = ranked.other_sku
WHERE ranked.rank <= 20
