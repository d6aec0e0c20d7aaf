-- One page of the cancelled list (orders.selectors.order_cancelled_page), {moment} being
-- created_at or current_status_at. The page's ids come from the partial index alone (an
-- index-only scan, also for the entries an OFFSET skips); only those orders are then read.
-- A position (%(at)s, %(pk)s) starts the scan at the index range; NULL means the top.
-- Each row also carries the list's total and the commit point it is exact at
-- (reports.status_counts), saving the request a round trip.
WITH page AS (
    SELECT id, {moment} AS moment
    FROM orders_order
    WHERE current_status = 'Cancelled'
      AND (%(at)s::timestamptz IS NULL
           OR ({moment} <= %(at)s AND ({moment} < %(at)s OR id < %(pk)s)))
    ORDER BY {moment} DESC, id DESC
    LIMIT %(size)s OFFSET %(offset)s
)
SELECT o.id AS pk, o.order_number, c.username AS "user", o.created_at, o.total_amount,
       o.currency, o.channel, o.current_status_at AS cancelled_at,
       (SELECT orders_count FROM reports.status_counts WHERE status = 'Cancelled') AS total,
       (SELECT as_of FROM reports_data.refresh_state) AS total_as_of
FROM page
JOIN orders_order AS o ON o.id = page.id
JOIN orders_customer AS c ON c.id = o.customer_id
ORDER BY page.moment DESC, page.id DESC
