-- Migration 0008 (frozen: change it by adding a new file). Deletes the extra copies of each
-- status event (same order, created and status), keeping the lowest id of each. One sort of the
-- history, one statement: the statement-level AFTER DELETE trigger then recomputes the current
-- status of exactly the orders that lost a row, so an order whose current_status_entry_id
-- pointed at a deleted copy points at the kept one (same status, same time) afterwards.
DELETE FROM orders_orderstatus AS history
USING (
    SELECT id
    FROM (
        SELECT id,
               row_number() OVER (PARTITION BY order_id, created, status ORDER BY id) AS copy
        FROM orders_orderstatus
    ) AS numbered
    WHERE copy > 1
) AS extra
WHERE history.id = extra.id;
