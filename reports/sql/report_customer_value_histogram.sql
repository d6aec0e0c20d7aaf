-- The distribution of customers' lifetime revenue (reports_data.customer_stats) in %(buckets)s
-- equal buckets from 0 to the highest revenue, counted in the database: the dashboard reads
-- %(buckets)s rows, never a row per customer. The highest revenue falls in the last bucket.
WITH bounds AS (
    SELECT max(s.total_revenue) AS top FROM reports_data.customer_stats AS s
),
counted AS (
    SELECT greatest(1, least(width_bucket(s.total_revenue, 0, bounds.top, %(buckets)s), %(buckets)s))
               AS bucket,
           count(*) AS customers
    FROM reports_data.customer_stats AS s
    CROSS JOIN bounds
    WHERE bounds.top > 0
    GROUP BY 1
)
SELECT counted.bucket,
       round(bounds.top * (counted.bucket - 1) / %(buckets)s, 2) AS low,
       round(bounds.top * counted.bucket / %(buckets)s, 2) AS high,
       counted.customers
FROM counted
CROSS JOIN bounds
ORDER BY counted.bucket
