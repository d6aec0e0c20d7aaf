-- Channels and currencies (frozen: migration reports.0012 reads this file).
-- 1. rate_change: the (currency, day) of every exchange rate a committed write touched. The
--    refresh turns each into the orders of that currency from that day to the currency's next
--    rate (live_rates.sql), in its own snapshot, so a rate and an order committed at once are
--    never missed by both.
CREATE TABLE reports_data.rate_change (
    currency varchar(3) NOT NULL,
    day date NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT statement_timestamp()
);

-- 2. The base currency, as settings.REPORTS_BASE_CURRENCY last set it (migrate keeps it).
CREATE TABLE reports_data.base_currency (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    currency varchar(3) NOT NULL
);

-- The rate an order of `currency` created on `day` converts at: 1 in the base currency, the
-- latest rate on or before the day otherwise, NULL (unconverted) without one.
CREATE FUNCTION reports_data.order_rate(currency varchar, day date) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN currency = (SELECT base.currency FROM reports_data.base_currency AS base)
            THEN 1
            ELSE (SELECT r.rate
                  FROM currencies_exchangerate AS r
                  WHERE r.currency = order_rate.currency AND r.day <= order_rate.day
                  ORDER BY r.day DESC
                  LIMIT 1) END;

-- 3. An order's contribution carries its channel, currency, the rate applied and its own
--    total; total_amount and revenue become the base currency's (0 when unconverted).
ALTER TABLE reports_data.order_applied
    ALTER COLUMN total_amount TYPE numeric(38, 2),
    ADD COLUMN channel varchar(20),
    ADD COLUMN currency varchar(3),
    ADD COLUMN rate numeric(20, 10),
    ADD COLUMN original_total numeric(12, 2);

-- 4. Revenue per month by channel and by currency.
CREATE TABLE reports_data.revenue_by_channel (
    month date NOT NULL,
    channel varchar(20) NOT NULL,
    orders_count bigint NOT NULL,
    completed_orders bigint NOT NULL,
    cancelled_orders bigint NOT NULL,
    revenue numeric(38, 2) NOT NULL,
    PRIMARY KEY (month, channel)
);
CREATE TABLE reports_data.revenue_by_currency (
    month date NOT NULL,
    currency varchar(3) NOT NULL,
    orders_count bigint NOT NULL,
    completed_orders bigint NOT NULL,
    revenue_original numeric(38, 2) NOT NULL,
    revenue numeric(38, 2) NOT NULL,
    unconverted_orders bigint NOT NULL,
    unconverted_revenue_original numeric(38, 2) NOT NULL,
    PRIMARY KEY (month, currency)
);

-- 5. The definitions' money: each order with its rate and its total in the base currency, and
--    each (order, sku) with its revenue in it. The rate by day is a calendar (each rate's days
--    up to the next rate, the last up to the newest order), so a definition over every order
--    joins it by hash instead of probing the rates once per order.
-- The days first .. last. PL/pgSQL, so the planner takes its ROWS (a rate usually holds a day
-- or a few) instead of generate_series' 1,000 a call, whose thousandfold overestimate would
-- make every definition over the orders look worth compiling (JIT) and a nested loop.
CREATE FUNCTION reports_data.days_between(first date, last date) RETURNS SETOF date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE ROWS 4
AS $$
BEGIN
    RETURN QUERY SELECT d::date FROM generate_series(first, last, interval '1 day') AS d;
END
$$;

CREATE VIEW reports_definition.currency_day_rate AS
SELECT r.currency, d.day, r.rate
FROM (
    SELECT currency, day, rate, lead(day) OVER (PARTITION BY currency ORDER BY day) AS next_day
    FROM currencies_exchangerate
    WHERE currency <> (SELECT currency FROM reports_data.base_currency)
) AS r
CROSS JOIN LATERAL reports_data.days_between(
    r.day,
    coalesce(
        r.next_day - 1,
        greatest(r.day, (SELECT (max(o.created_at) AT TIME ZONE 'UTC')::date
                         FROM orders_order AS o))
    )
) AS d (day);

CREATE VIEW reports_definition.order_base AS
SELECT o.id,
       o.customer_id,
       o.created_at,
       o.current_status,
       o.channel,
       o.currency,
       o.total_amount AS original_total,
       fx.rate,
       coalesce(round(o.total_amount * fx.rate, 2), 0)::numeric(38, 2) AS total_amount
FROM orders_order AS o
LEFT JOIN reports_definition.currency_day_rate AS day_rate
    ON day_rate.currency = o.currency AND day_rate.day = (o.created_at AT TIME ZONE 'UTC')::date
CROSS JOIN LATERAL (
    SELECT CASE WHEN o.currency = (SELECT base.currency FROM reports_data.base_currency AS base)
                THEN 1
                ELSE day_rate.rate END AS rate
) AS fx;

CREATE VIEW reports_definition.order_line_base AS
SELECT o.id AS order_id,
       o.created_at,
       o.current_status,
       i.sku,
       sum(i.quantity)::bigint AS units,
       coalesce(round(sum(i.quantity * i.price) * o.rate, 2), 0) AS revenue,
       max(i.id) AS newest_item_id
FROM reports_definition.order_base AS o
JOIN orders_orderitem AS i ON i.order_id = o.id
GROUP BY o.id, o.created_at, o.current_status, o.rate, i.sku;

UPDATE reports_data.refresh_state
SET rebuild_required = true, rebuild_reason = 'channels and currencies (migration reports.0012)';
