-- The category apply's working tables (live_apply_category.sql, live_apply_catalog.sql), made
-- once per session like live_tables.sql; every commit empties them.
CREATE TEMP TABLE IF NOT EXISTS live_category_delta (
    category_id bigint, month date, units_sold bigint, revenue numeric, orders_count bigint
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_catalog_sku (sku varchar(50) PRIMARY KEY)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_catalog_order (order_id bigint PRIMARY KEY)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_tree_new (
    category_id bigint, ancestor_id bigint, depth integer
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_tree_changed (category_id bigint PRIMARY KEY)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_catalog_affected (category_id bigint PRIMARY KEY)
    ON COMMIT DELETE ROWS;
