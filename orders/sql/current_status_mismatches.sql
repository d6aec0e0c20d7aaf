-- Orders whose current_status* differ from their latest history row by (created, id).
SELECT o.id, o.order_number
FROM orders_order AS o
LEFT JOIN (
    SELECT DISTINCT ON (order_id) order_id, status, created, id
    FROM orders_orderstatus
    ORDER BY order_id, created DESC, id DESC
) AS latest ON latest.order_id = o.id
WHERE (o.current_status, o.current_status_at, o.current_status_entry_id)
      IS DISTINCT FROM (latest.status, latest.created, latest.id)
ORDER BY o.id;
