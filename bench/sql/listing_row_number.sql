-- Cancelled orders without the trigger-kept column: ROW_NUMBER() over each order's history,
-- newest (created, id) first; row 1 is the latest status. The status filter cannot move below
-- the window (status is not a partition column), so every history row is ranked.
SELECT o.id, o.order_number, o.customer_id, o.created_at, o.total_amount,
       ranked.created AS cancelled_at
FROM (
    SELECT s.order_id, s.status, s.created,
           row_number() OVER (PARTITION BY s.order_id ORDER BY s.created DESC, s.id DESC) AS n
    FROM orders_orderstatus AS s
) AS ranked
JOIN orders_order AS o ON o.id = ranked.order_id
WHERE ranked.n = 1
  AND ranked.status = %(status)s
