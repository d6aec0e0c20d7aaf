-- Revenue by channel and by currency per month, moved by live_apply.sql's live_delta (old
-- contributions out, new in). A month's row goes when its last order does.
WITH moved AS (
    SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month,
           channel,
           sum(sign) AS orders_count,
           coalesce(sum(sign) FILTER (WHERE status = 'Complete'), 0) AS completed_orders,
           coalesce(sum(sign) FILTER (WHERE status = 'Cancelled'), 0) AS cancelled_orders,
           coalesce(sum(sign * total_amount) FILTER (WHERE status = 'Complete'), 0) AS revenue
    FROM live_delta
    GROUP BY 1, 2
)
INSERT INTO reports_data.revenue_by_channel AS stored
    (month, channel, orders_count, completed_orders, cancelled_orders, revenue)
SELECT month, channel, orders_count, completed_orders, cancelled_orders, revenue
FROM moved
WHERE (orders_count, completed_orders, cancelled_orders, revenue) <> (0, 0, 0, 0)
ON CONFLICT (month, channel) DO UPDATE
SET orders_count = stored.orders_count + excluded.orders_count,
    completed_orders = stored.completed_orders + excluded.completed_orders,
    cancelled_orders = stored.cancelled_orders + excluded.cancelled_orders,
    revenue = stored.revenue + excluded.revenue;

DELETE FROM reports_data.revenue_by_channel AS stored
WHERE stored.orders_count = 0
  AND (stored.month, stored.channel) IN (
      SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date, channel FROM live_delta
  );

WITH moved AS (
    SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date AS month,
           currency,
           sum(sign) AS orders_count,
           coalesce(sum(sign) FILTER (WHERE status = 'Complete'), 0) AS completed_orders,
           coalesce(sum(sign * original_total) FILTER (WHERE status = 'Complete'), 0)
               AS revenue_original,
           coalesce(sum(sign * total_amount) FILTER (WHERE status = 'Complete'), 0) AS revenue,
           coalesce(sum(sign) FILTER (WHERE rate IS NULL), 0) AS unconverted_orders,
           coalesce(
               sum(sign * original_total) FILTER (WHERE rate IS NULL AND status = 'Complete'), 0
           ) AS unconverted_revenue_original
    FROM live_delta
    GROUP BY 1, 2
)
INSERT INTO reports_data.revenue_by_currency AS stored
    (month, currency, orders_count, completed_orders, revenue_original, revenue,
     unconverted_orders, unconverted_revenue_original)
SELECT month, currency, orders_count, completed_orders, revenue_original, revenue,
       unconverted_orders, unconverted_revenue_original
FROM moved
WHERE (orders_count, completed_orders, revenue_original, revenue, unconverted_orders,
       unconverted_revenue_original) <> (0, 0, 0, 0, 0, 0)
ON CONFLICT (month, currency) DO UPDATE
SET orders_count = stored.orders_count + excluded.orders_count,
    completed_orders = stored.completed_orders + excluded.completed_orders,
    revenue_original = stored.revenue_original + excluded.revenue_original,
    revenue = stored.revenue + excluded.revenue,
    unconverted_orders = stored.unconverted_orders + excluded.unconverted_orders,
    unconverted_revenue_original =
        stored.unconverted_revenue_original + excluded.unconverted_revenue_original;

DELETE FROM reports_data.revenue_by_currency AS stored
WHERE stored.orders_count = 0
  AND (stored.month, stored.currency) IN (
      SELECT date_trunc('month', created_at AT TIME ZONE 'UTC')::date, currency FROM live_delta
  );
