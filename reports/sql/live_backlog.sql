-- How many orders the change log holds, counted up to %(limit)s (reports.refresh.backlog_large):
-- log rows first, a cheap upper bound that stops at the limit; distinct orders only when the
-- rows reach it (a deep log, when the run about to start is long anyway).
WITH rows_seen AS (
    SELECT count(*) AS n
    FROM (SELECT FROM reports_data.order_change LIMIT %(limit)s) AS logged
)
SELECT CASE
           WHEN rows_seen.n < %(limit)s THEN rows_seen.n
           ELSE (SELECT count(*)
                 FROM (SELECT DISTINCT order_id FROM reports_data.order_change) AS touched)
       END
FROM rows_seen
