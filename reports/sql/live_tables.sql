-- The incremental apply's working tables (live_apply.sql), made once per session: creating and
-- dropping a dozen temporary tables in every run was about half of a small run's cost, and
-- even CREATE ... IF NOT EXISTS for each was a quarter. Every commit empties them.
CREATE TEMP TABLE IF NOT EXISTS live_order (order_id bigint PRIMARY KEY) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_customer_change (customer_id bigint PRIMARY KEY)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_old (LIKE reports_data.order_applied) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_new (LIKE reports_data.order_applied) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_delta (sign integer, LIKE reports_data.order_applied)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_day (
    day date, orders_count bigint, completed_orders bigint, cancelled_orders bigint,
    revenue numeric
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_sku (sku varchar(50)) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_pair (
    sku varchar(50), other_sku varchar(50), orders_together bigint
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_customer (
    customer_id bigint, orders_count bigint, completed_orders bigint, cancelled_orders bigint,
    pending_orders bigint, revenue numeric, first_in timestamptz, last_in timestamptz,
    first_out timestamptz, last_out timestamptz
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_revenue (total_revenue numeric(38, 2), sign integer)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_level (
    total_revenue numeric(38, 2), customers bigint, existed boolean
) ON COMMIT DELETE ROWS;
