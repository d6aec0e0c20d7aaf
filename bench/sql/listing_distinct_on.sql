-- Cancelled orders without the trigger-kept column: each order's latest history row by
-- (created, id) through DISTINCT ON over the whole history, then keep the cancelled ones.
-- The status filter cannot move inside DISTINCT ON, so every order's history is read.
SELECT o.id, o.order_number, o.customer_id, o.created_at, o.total_amount,
       latest.created AS cancelled_at
FROM (
    SELECT DISTINCT ON (s.order_id) s.order_id, s.status, s.created
    FROM orders_orderstatus AS s
    ORDER BY s.order_id, s.created DESC, s.id DESC
) AS latest
JOIN orders_order AS o ON o.id = latest.order_id
WHERE latest.status = %(status)s
