-- Seed 002: customers who bought the sku also bought these, most often first.
SELECT rank,
       other_sku AS sku,
       other_name AS name,
       orders_together
FROM reports.also_bought
WHERE sku = %(sku)s
ORDER BY rank
LIMIT %(limit)s
