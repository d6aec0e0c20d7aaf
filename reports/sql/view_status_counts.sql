-- reports.status_counts (reports.models.StatusCounts): stored, all three statuses always there.
SELECT s.status::varchar(20) AS status, s.orders_count
FROM reports_data.status_counts AS s
