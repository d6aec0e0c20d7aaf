-- Insert new orders (with pre-drawn ids and their latest status); update the fields of this
-- customer's existing ones when they differ. Every order records the status it was uploaded
-- with (uploaded_status), which alone is no change to report: fields_changed compares the
-- fields with the rows as this statement's snapshot saw them. Another customer's order is
-- neither inserted nor updated (nor returned): the caller refuses it. (xmax = 0) tells a fresh
-- insert from an update. Rows arrive as one JSON array parameter.
WITH incoming AS (
    SELECT *
    FROM jsonb_to_recordset(%(orders)s::jsonb) AS incoming(
        id bigint, order_number text, created_at timestamptz, total_amount numeric,
        currency text, channel text, uploaded_status text,
        current_status text, current_status_at timestamptz, current_status_entry_id bigint
    )
),
before AS (
    SELECT id, created_at, total_amount, currency, channel
    FROM orders_order
    WHERE order_number IN (SELECT order_number FROM incoming)
),
written AS (
    INSERT INTO orders_order (
        id, order_number, customer_id, created_at, total_amount, currency, channel,
        uploaded_status, current_status, current_status_at, current_status_entry_id
    )
    SELECT coalesce(incoming.id, nextval(pg_get_serial_sequence('orders_order', 'id'))),
           incoming.order_number, %(customer_id)s, incoming.created_at, incoming.total_amount,
           incoming.currency, incoming.channel, incoming.uploaded_status,
           incoming.current_status, incoming.current_status_at, incoming.current_status_entry_id
    FROM incoming
    ORDER BY incoming.order_number  -- concurrent uploads take their row locks in one order
    ON CONFLICT (order_number) DO UPDATE
    SET created_at = EXCLUDED.created_at,
        total_amount = EXCLUDED.total_amount,
        currency = EXCLUDED.currency,
        channel = EXCLUDED.channel,
        uploaded_status = EXCLUDED.uploaded_status
    WHERE orders_order.customer_id = EXCLUDED.customer_id
      AND (orders_order.created_at, orders_order.total_amount, orders_order.currency,
           orders_order.channel, orders_order.uploaded_status)
          IS DISTINCT FROM (EXCLUDED.created_at, EXCLUDED.total_amount, EXCLUDED.currency,
                            EXCLUDED.channel, EXCLUDED.uploaded_status)
    RETURNING id, order_number, created_at, total_amount, currency, channel,
              (xmax = 0) AS inserted
)
SELECT written.id, written.order_number, written.inserted,
       NOT written.inserted
       AND (written.created_at, written.total_amount, written.currency, written.channel)
           IS DISTINCT FROM (before.created_at, before.total_amount, before.currency,
                             before.channel) AS fields_changed
FROM written
LEFT JOIN before ON before.id = written.id;
