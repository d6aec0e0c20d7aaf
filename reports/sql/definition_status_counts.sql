-- Definition of reports.status_counts: every status has a row, zero included; orders without
-- any history (no current status) are not counted.
SELECT status.status,
       coalesce(counted.orders_count, 0) AS orders_count
FROM (VALUES ('Pending'), ('Complete'), ('Cancelled')) AS status (status)
LEFT JOIN (
    SELECT current_status, count(*) AS orders_count
    FROM orders_order
    WHERE current_status IS NOT NULL
    GROUP BY current_status
) AS counted ON counted.current_status = status.status
