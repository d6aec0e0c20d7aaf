-- The cohort apply's working tables (live_apply_cohorts.sql), made once per session like
-- live_tables.sql's; every commit empties them.
CREATE TEMP TABLE IF NOT EXISTS live_customer_month (
    customer_id bigint, month date, orders bigint, revenue numeric,
    PRIMARY KEY (customer_id, month)
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_cohort_customer (
    customer_id bigint PRIMARY KEY, old_cohort date, new_cohort date
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS live_cohort_cell (
    cohort date, month date, customers bigint, orders bigint, revenue numeric
) ON COMMIT DELETE ROWS;
