-- Definition of reports.also_bought, "customers who bought X also bought Y": for each sku, the
-- 20 skus found most often in the same order, over orders that are not Cancelled; ties break by
-- other_sku so the rank is stable. Names are the product's newest (definition_product_sales).
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
    FROM reports_definition.also_bought_pair AS pair
) AS ranked
LEFT JOIN reports_definition.product_sales AS product ON product.sku = ranked.other_sku
WHERE ranked.rank <= 20
