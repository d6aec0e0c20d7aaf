-- One upload's record, and the history pruned, in one statement (orders.upload_history).
-- Older than the cutoff: an index range on created_at, usually empty. Past the newest
-- %(keep_rows)s rows: only when %(prune_rows)s (one record in PRUNE_ROWS_EVERY), as finding
-- that row walks keep_rows index entries. Both deletes see the table as it was before the insert.
WITH aged AS (
    DELETE FROM orders_uploadrecord WHERE created_at < %(cutoff)s
), capped AS (
    DELETE FROM orders_uploadrecord
    WHERE %(prune_rows)s
      AND id < (SELECT id FROM orders_uploadrecord ORDER BY id DESC OFFSET %(keep_rows)s - 1 LIMIT 1)
)
INSERT INTO orders_uploadrecord (
    key_id, key_name, customer, request_id, created_at, duration_ms,
    received, created, updated, unchanged, status_changes, status, error
) VALUES (
    %(key_id)s, %(key_name)s, %(customer)s, %(request_id)s, %(created_at)s, %(duration_ms)s,
    %(received)s, %(created)s, %(updated)s, %(unchanged)s, %(status_changes)s, %(status)s,
    %(error)s
)
RETURNING id
