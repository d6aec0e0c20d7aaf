-- Recomputes current_status* from the history for the given orders; returns how many changed.
-- Used after history rows are edited or deleted, and by `check_order_status --fix`.
-- Each statement of a plpgsql function takes a new snapshot (READ COMMITTED), so after the
-- orders are locked (NO KEY UPDATE: foreign-key checks of other writers are not blocked) the
-- recompute sees every status committed before the locks were granted.
CREATE OR REPLACE FUNCTION orders_refresh_current_status(order_ids bigint[])
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    changed integer;
BEGIN
    PERFORM 1 FROM orders_order WHERE id = ANY (order_ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE orders_order AS o
    SET current_status = latest.status,
        current_status_at = latest.created,
        current_status_entry_id = latest.id
    FROM orders_order AS target
    LEFT JOIN LATERAL (
        SELECT s.status, s.created, s.id
        FROM orders_orderstatus AS s
        WHERE s.order_id = target.id
        ORDER BY s.created DESC, s.id DESC
        LIMIT 1
    ) AS latest ON true
    WHERE target.id = ANY (order_ids)
      AND o.id = target.id
      AND (o.current_status, o.current_status_at, o.current_status_entry_id)
          IS DISTINCT FROM (latest.status, latest.created, latest.id);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$;
