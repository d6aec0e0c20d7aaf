-- Definition of reports.cohort_month: customers by the UTC month of their first order (their
-- cohort) and, for that month and every later one in which some of them ordered, how many did,
-- their orders (any status) and revenue (Complete orders), with the cohort's size.
SELECT per_month.cohort,
       per_month.month,
       ((extract(year FROM per_month.month) - extract(year FROM per_month.cohort)) * 12
        + extract(month FROM per_month.month) - extract(month FROM per_month.cohort))::integer
           AS months_since,
       first_value(per_month.customers) OVER cohort_months AS cohort_customers,
       per_month.customers,
       round(per_month.customers::numeric / first_value(per_month.customers) OVER cohort_months,
             4)::numeric(7, 4) AS retention,
       per_month.orders,
       per_month.revenue
FROM (
    SELECT cohort, month, count(*) AS customers, sum(orders)::bigint AS orders,
           sum(revenue)::numeric(38, 2) AS revenue
    FROM (
        SELECT cm.*, min(cm.month) OVER (PARTITION BY cm.customer_id) AS cohort
        FROM reports_definition.customer_month AS cm
    ) AS with_cohort
    GROUP BY cohort, month
) AS per_month
WINDOW cohort_months AS (PARTITION BY per_month.cohort ORDER BY per_month.month)
