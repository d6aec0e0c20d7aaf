-- Definition of reports_data.category_product_applied: each product that has a category.
SELECT p.sku, p.category_id FROM catalog_product AS p WHERE p.category_id IS NOT NULL
