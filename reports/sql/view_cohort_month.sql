-- reports.cohort_month (reports.models.CohortMonth): the stored retention matrix, with the
-- months since the cohort, the cohort's size and the retention computed on read.
SELECT c.cohort,
       c.month,
       ((extract(year FROM c.month) - extract(year FROM c.cohort)) * 12
        + extract(month FROM c.month) - extract(month FROM c.cohort))::integer AS months_since,
       size.customers AS cohort_customers,
       c.customers,
       round(c.customers::numeric / size.customers, 4)::numeric(7, 4) AS retention,
       c.orders,
       c.revenue
FROM reports_data.cohort_month AS c
JOIN reports_data.cohort_month AS size ON size.cohort = c.cohort AND size.month = c.cohort
