-- Cohorts (frozen: migration reports.0009 reads this file).
-- customer_month: per customer and UTC month with orders, the orders placed (any status) and
-- the revenue of those now Complete. A customer's cohort is their first such month.
-- cohort_month: per cohort and month, how many of the cohort's customers ordered that month,
-- their orders and revenue. Both are kept by refresh_reports (live_apply_cohorts.sql).
CREATE TABLE reports_data.customer_month (
    customer_id bigint NOT NULL,
    month date NOT NULL,
    orders bigint NOT NULL,
    revenue numeric(38, 2) NOT NULL,
    PRIMARY KEY (customer_id, month)
);
CREATE TABLE reports_data.cohort_month (
    cohort date NOT NULL,
    month date NOT NULL,
    customers bigint NOT NULL,
    orders bigint NOT NULL,
    revenue numeric(38, 2) NOT NULL,
    PRIMARY KEY (cohort, month)
);
UPDATE reports_data.refresh_state
SET rebuild_required = true, rebuild_reason = 'cohorts (migration reports.0009)';
