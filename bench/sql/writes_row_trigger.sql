-- The row-level alternative to the project's statement-level trigger: one guarded UPDATE of
-- the order per inserted status row. Created inside a transaction that rolls back, after
-- ALTER TABLE ... DISABLE TRIGGER USER has switched the project's triggers off.
CREATE FUNCTION bench_current_status_per_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orders_order
    SET current_status = NEW.status,
        current_status_at = NEW.created,
        current_status_entry_id = NEW.id
    WHERE id = NEW.order_id
      AND (current_status_at IS NULL
           OR (current_status_at, current_status_entry_id) < (NEW.created, NEW.id));
    RETURN NULL;
END
$$;
CREATE TRIGGER bench_current_status_per_row
AFTER INSERT ON orders_orderstatus
FOR EACH ROW EXECUTE FUNCTION bench_current_status_per_row();
