-- Cancelled orders without the trigger-kept column: for every order, a LATERAL top-1 of its
-- history (an index scan of orderstatus_order_latest_idx each), then keep the cancelled ones.
SELECT o.id, o.order_number, o.customer_id, o.created_at, o.total_amount,
       latest.created AS cancelled_at
FROM orders_order AS o
CROSS JOIN LATERAL (
    SELECT s.status, s.created
    FROM orders_orderstatus AS s
    WHERE s.order_id = o.id
    ORDER BY s.created DESC, s.id DESC
    LIMIT 1
) AS latest
WHERE latest.status = %(status)s
