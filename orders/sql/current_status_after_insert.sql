-- Statement-level AFTER INSERT on orders_orderstatus, transition table new_statuses.
-- 1. Lock every order the statement touches, in id order: concurrent multi-order inserts then
--    cannot deadlock, and a concurrent edit or delete of the same history (which recomputes
--    under the same lock) waits for this insert to commit and then sees its rows, even when
--    they do not move the order. NO KEY UPDATE, the strength an UPDATE of non-key columns
--    takes anyway, does not conflict with other transactions' foreign-key KEY SHARE checks.
-- 2. Move the orders forward, in a new statement (so a new snapshot), only where the newest new
--    row beats (current_status_at, current_status_entry_id): PostgreSQL re-checks that guard on
--    the newest row version, so an older or late status never wins.
PERFORM 1
FROM orders_order
WHERE id IN (SELECT order_id FROM new_statuses)
ORDER BY id
FOR NO KEY UPDATE;

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
