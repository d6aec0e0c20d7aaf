DROP TABLE reports_data.catalog_change, reports_data.category_tree_applied,
    reports_data.category_product_applied, reports_data.category_sales;
