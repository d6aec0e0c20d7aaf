-- refresh_reports --full: every also-bought pair from the contributions just rebuilt
-- (reports_data.order_applied): each order's own sku array crossed with itself, instead of
-- joining all order lines to each other (61 s at 10M orders). The same pairs as
-- definition_also_bought_pair.sql, which check_reports still compares them with.
SELECT a.sku, b.sku AS other_sku, count(*) AS orders_together
FROM reports_data.order_applied AS o,
     unnest(o.skus) AS a (sku),
     unnest(o.skus) AS b (sku)
WHERE o.status IS DISTINCT FROM 'Cancelled'
  AND cardinality(o.skus) BETWEEN 2 AND (SELECT max_skus FROM reports_definition.also_bought_basket)
  AND a.sku <> b.sku
GROUP BY a.sku, b.sku
