DROP INDEX reports_data.product_sales_revenue_idx, reports_data.product_sales_units_idx;
-- CASCADE: the view reports.category_sales over it (migrate re-creates it if it comes back).
DROP TABLE reports_data.catalog_change, reports_data.category_tree_applied,
    reports_data.category_product_applied, reports_data.category_sales CASCADE;
