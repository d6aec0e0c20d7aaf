-- Statement-level AFTER INSERT on orders_orderstatus, transition table new_statuses.
-- 1. Lock, in id order, the orders that one of the new rows moves forward: concurrent
--    multi-order inserts then cannot deadlock, and orders already newer are left alone.
--    NO KEY UPDATE, the strength an UPDATE of non-key columns takes anyway, does not
--    conflict with the KEY SHARE locks of other transactions' foreign-key checks.
-- 2. Move them, in a new statement (so a new snapshot) with the same guard: PostgreSQL
--    re-checks it on the newest row version, so an older or late status never wins.
PERFORM 1
FROM orders_order AS o
JOIN (
    SELECT DISTINCT ON (order_id) order_id, created, id
    FROM new_statuses
    ORDER BY order_id, created DESC, id DESC
) AS latest ON latest.order_id = o.id
WHERE o.current_status_at IS NULL
   OR (o.current_status_at, o.current_status_entry_id) < (latest.created, latest.id)
ORDER BY o.id
FOR NO KEY UPDATE OF o;

UPDATE orders_order AS o
SET current_status = latest.status,
    current_status_at = latest.created,
    current_status_entry_id = latest.id
FROM (
    SELECT DISTINCT ON (order_id) order_id, status, created, id
    FROM new_statuses
    ORDER BY order_id, created DESC, id DESC
) AS latest
WHERE o.id = latest.order_id
  AND (o.current_status_at IS NULL
       OR (o.current_status_at, o.current_status_entry_id) < (latest.created, latest.id));
RETURN NULL;
