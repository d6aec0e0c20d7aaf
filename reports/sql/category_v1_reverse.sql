DROP INDEX reports_data.product_sales_revenue_idx, reports_data.product_sales_units_idx;
DROP TABLE reports_data.catalog_change, reports_data.category_tree_applied,
    reports_data.category_product_applied, reports_data.category_sales;
