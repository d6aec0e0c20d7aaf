-- Apply the pending changes to the cohorts: run by refresh_reports right after live_apply.sql,
-- in the same transaction, from its live_delta (each touched order's old contribution, -1, and
-- new one, +1). Cost: the touched (customer, month) cells, plus every month of a customer whose
-- first month (cohort) moved, since all their cells move to the new cohort.
-- JIT compiling these small statements cost ~270 ms a run at 1M orders (the planner's guesses
-- about the temporary tables can pass jit_above_cost): off for the rest of this transaction.
SET LOCAL jit = off;
DELETE FROM live_customer_month;
DELETE FROM live_cohort_customer;
DELETE FROM live_cohort_cell;

-- 1. The per customer and month difference.
INSERT INTO live_customer_month
SELECT customer_id,
       date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month,
       sum(sign) AS orders,
       coalesce(sum(sign * total_amount) FILTER (WHERE status = 'Complete'), 0) AS revenue
FROM live_delta
GROUP BY 1, 2
HAVING sum(sign) <> 0
    OR coalesce(sum(sign * total_amount) FILTER (WHERE status = 'Complete'), 0) <> 0;
ANALYZE live_customer_month;

-- 2. Each touched customer's cohort before (their first stored month, through the primary key).
INSERT INTO live_cohort_customer (customer_id, old_cohort)
SELECT touched.customer_id,
       (SELECT min(cm.month) FROM reports_data.customer_month AS cm
        WHERE cm.customer_id = touched.customer_id)
FROM (SELECT DISTINCT customer_id FROM live_customer_month) AS touched;
ANALYZE live_cohort_customer;

-- 3. The customers' months move by the difference; a month left without orders goes.
INSERT INTO reports_data.customer_month AS stored (customer_id, month, orders, revenue)
SELECT customer_id, month, orders, revenue
FROM live_customer_month
ON CONFLICT (customer_id, month) DO UPDATE
SET orders = stored.orders + excluded.orders,
    revenue = stored.revenue + excluded.revenue;

-- Each touched cell probed through the primary key (LIMIT 1 keeps the probe a probe): as a join,
-- the planner's guess for `orders = 0` made it scan every stored month (560 ms at 10M orders,
-- 6M months, for a few thousand cells).
DELETE FROM reports_data.customer_month
WHERE ctid = ANY (ARRAY(
    SELECT emptied.ctid
    FROM live_customer_month AS moved
    CROSS JOIN LATERAL (
        SELECT cm.ctid
        FROM reports_data.customer_month AS cm
        WHERE cm.customer_id = moved.customer_id AND cm.month = moved.month AND cm.orders = 0
        LIMIT 1
    ) AS emptied
));

UPDATE live_cohort_customer AS touched
SET new_cohort = (SELECT min(cm.month) FROM reports_data.customer_month AS cm
                  WHERE cm.customer_id = touched.customer_id);
ANALYZE live_cohort_customer;

-- 4. The cells each touched customer counts in, before and after: the touched months when the
-- cohort stayed; every month, old and new, when it moved. A cell's old figures are its new ones
-- minus the difference applied. customer_month is probed per customer and per cell through its
-- primary key (OFFSET 0 keeps each probe a lateral index scan: a hash join would read all of it).
INSERT INTO live_cohort_cell
WITH affected AS (
    SELECT moved.customer_id, moved.month
    FROM live_customer_month AS moved
    UNION
    SELECT touched.customer_id, history.month
    FROM live_cohort_customer AS touched
    CROSS JOIN LATERAL (
        SELECT cm.month FROM reports_data.customer_month AS cm
        WHERE cm.customer_id = touched.customer_id
        OFFSET 0
    ) AS history
    WHERE touched.old_cohort IS DISTINCT FROM touched.new_cohort
),
cell AS (
    SELECT affected.customer_id,
           affected.month,
           coalesce(stored.orders, 0) AS new_orders,
           coalesce(stored.revenue, 0) AS new_revenue,
           coalesce(stored.orders, 0) - coalesce(moved.orders, 0) AS old_orders,
           coalesce(stored.revenue, 0) - coalesce(moved.revenue, 0) AS old_revenue
    FROM affected
    LEFT JOIN LATERAL (
        SELECT cm.orders, cm.revenue FROM reports_data.customer_month AS cm
        WHERE cm.customer_id = affected.customer_id AND cm.month = affected.month
        OFFSET 0
    ) AS stored ON true
    LEFT JOIN live_customer_month AS moved
        ON moved.customer_id = affected.customer_id AND moved.month = affected.month
)
SELECT touched.new_cohort, cell.month, 1, cell.new_orders, cell.new_revenue
FROM cell
JOIN live_cohort_customer AS touched ON touched.customer_id = cell.customer_id
WHERE cell.new_orders > 0
UNION ALL
SELECT touched.old_cohort, cell.month, -1, -cell.old_orders, -cell.old_revenue
FROM cell
JOIN live_cohort_customer AS touched ON touched.customer_id = cell.customer_id
WHERE cell.old_orders > 0;

-- 5. The matrix moves by the sum.
INSERT INTO reports_data.cohort_month AS stored (cohort, month, customers, orders, revenue)
SELECT cohort, month, sum(customers), sum(orders), sum(revenue)
FROM live_cohort_cell
GROUP BY cohort, month
HAVING sum(customers) <> 0 OR sum(orders) <> 0 OR sum(revenue) <> 0
ON CONFLICT (cohort, month) DO UPDATE
SET customers = stored.customers + excluded.customers,
    orders = stored.orders + excluded.orders,
    revenue = stored.revenue + excluded.revenue;

DELETE FROM reports_data.cohort_month AS stored
USING (SELECT DISTINCT cohort, month FROM live_cohort_cell) AS moved
WHERE stored.cohort = moved.cohort AND stored.month = moved.month AND stored.customers = 0;
