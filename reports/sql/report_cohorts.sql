-- The retention matrix (reports.cohort_month) for the cohorts from %(first)s to %(last)s (NULL:
-- unbounded), cohort by cohort, month by month, along the stored table's primary key.
SELECT to_char(cohort, 'YYYY-MM') AS cohort,
       to_char(month, 'YYYY-MM') AS month,
       months_since,
       cohort_customers,
       customers,
       retention,
       orders,
       revenue
FROM reports.cohort_month
WHERE (%(first)s::date IS NULL OR cohort >= %(first)s::date)
  AND (%(last)s::date IS NULL OR cohort <= %(last)s::date)
ORDER BY cohort, month
