-- Live reports (frozen: migration reports.0002 reads this file).
-- The reports in schema `reports` stop being materialized views: each becomes a plain view over
-- a table in the private schema reports_data, which `refresh_reports` keeps current from an
-- append-only change log written by statement-level triggers on the orders tables.
DROP MATERIALIZED VIEW IF EXISTS
    reports.monthly_revenue, reports.also_bought, reports.customer_stats,
    reports.product_sales, reports.daily_order_stats, reports.status_counts CASCADE;

COMMENT ON SCHEMA reports IS
    'The order reports as views, kept current within about a second by refresh_reports; '
    'reports.freshness says how current. BI tools read here through the reports_reader role.';

CREATE SCHEMA reports_data;
COMMENT ON SCHEMA reports_data IS
    'Storage of the live reports and their change log (private: BI reads schema reports).';
CREATE SCHEMA reports_definition;
COMMENT ON SCHEMA reports_definition IS
    'Each report''s definition as one SQL view over the orders tables: the specification, '
    'used by refresh_reports --full and check_reports (private: it scans the orders).';

-- The change log: one row per order (or customer) a committed write touched. Writers only
-- append; the refresher consumes it with DELETE ... RETURNING. No index: it is read whole.
CREATE TABLE reports_data.order_change (
    order_id bigint NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT statement_timestamp()
);
CREATE TABLE reports_data.customer_change (
    customer_id bigint NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT statement_timestamp()
);

-- One row: the commit point the stored reports reflect, and whether a full rebuild is due.
CREATE TABLE reports_data.refresh_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    as_of timestamptz,
    rebuild_required boolean NOT NULL DEFAULT true,
    rebuild_reason text NOT NULL DEFAULT 'never built',
    stale_after interval NOT NULL DEFAULT '1 minute'
);
INSERT INTO reports_data.refresh_state DEFAULT VALUES;

-- What each order contributes to the reports as last applied: the old side of every delta.
CREATE TABLE reports_data.order_applied (
    order_id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    created_at timestamptz NOT NULL,
    status varchar(20),
    total_amount numeric(12, 2) NOT NULL,
    skus varchar(50)[] NOT NULL,
    units bigint[] NOT NULL,
    revenue numeric[] NOT NULL
);

CREATE TABLE reports_data.customer_stats (
    customer_id bigint PRIMARY KEY,
    username varchar(50) NOT NULL,
    orders_count bigint NOT NULL,
    completed_orders bigint NOT NULL,
    cancelled_orders bigint NOT NULL,
    pending_orders bigint NOT NULL,
    total_revenue numeric(16, 2) NOT NULL,
    first_order_at timestamptz,
    last_order_at timestamptz
);
CREATE INDEX customer_stats_revenue_idx
    ON reports_data.customer_stats (total_revenue DESC, customer_id);
CREATE INDEX customer_stats_username_idx ON reports_data.customer_stats (username);

-- A customer's dense revenue rank, on read, in bounded time: 1 + the distinct revenues above
-- theirs = the levels of every higher bucket (one small sum) + the levels above it in its own
-- bucket (a short range of revenue_level). Buckets are revenues cut to 3 significant digits
-- (cents below 10), so at most 900 per decade; revenue_bucket() is monotonic and idempotent.
CREATE FUNCTION reports_data.revenue_bucket(revenue numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN revenue < 10 THEN revenue
            ELSE trunc(revenue, 3 - length(trunc(revenue)::text)) END;

CREATE TABLE reports_data.revenue_level (
    total_revenue numeric(16, 2) PRIMARY KEY,
    customers bigint NOT NULL
);
CREATE TABLE reports_data.revenue_bucket (
    bucket numeric PRIMARY KEY,
    levels bigint NOT NULL
);
CREATE VIEW reports_data.revenue_level_source AS
SELECT total_revenue, count(*) AS customers
FROM reports_data.customer_stats
GROUP BY total_revenue;
CREATE VIEW reports_data.revenue_bucket_source AS
SELECT reports_data.revenue_bucket(total_revenue) AS bucket, count(*) AS levels
FROM reports_data.revenue_level_source
GROUP BY 1;

CREATE TABLE reports_data.product_sales (
    sku varchar(50) PRIMARY KEY,
    name varchar(255) NOT NULL,
    units_sold bigint NOT NULL,
    revenue numeric(16, 2) NOT NULL,
    orders_count bigint NOT NULL
);

CREATE TABLE reports_data.also_bought_pair (
    sku varchar(50) NOT NULL,
    other_sku varchar(50) NOT NULL,
    orders_together bigint NOT NULL,
    PRIMARY KEY (sku, other_sku)
);
CREATE INDEX also_bought_pair_top_idx
    ON reports_data.also_bought_pair (sku, orders_together DESC, other_sku);

CREATE TABLE reports_data.daily_order_stats (
    day date PRIMARY KEY,
    orders_count bigint NOT NULL,
    completed_orders bigint NOT NULL,
    cancelled_orders bigint NOT NULL,
    revenue numeric(16, 2) NOT NULL
);

CREATE TABLE reports_data.status_counts (
    status varchar(20) PRIMARY KEY,
    orders_count bigint NOT NULL
);
INSERT INTO reports_data.status_counts (status, orders_count)
VALUES ('Pending', 0), ('Complete', 0), ('Cancelled', 0);
