-- Exchange rate changes become order changes, in the refresh's snapshot (reports.refresh,
-- rates_expand): a rate logged for (currency, day) moves the orders of that currency from that
-- day up to the currency's next rate visible now, since those convert at it (or, after a
-- deletion, at the rate before it). Computed here and not in the writer's trigger, so that a
-- rate and an order committed at the same time are never both missed: the snapshot sees every
-- order committed before it, and a later order logs its own change. Touching more orders than
-- changed costs only time: an order whose contribution is unchanged moves nothing.
-- logged_at carries over: as_of never claims a rate change that a bounded batch left.
-- The cost follows the orders of that currency and day range (orders_order's currency index).
WITH consumed AS (
    DELETE FROM reports_data.rate_change
    RETURNING currency, day, logged_at
),
changed AS (
    SELECT currency, day, min(logged_at) AS logged_at
    FROM consumed
    WHERE currency <> (SELECT base.currency FROM reports_data.base_currency AS base)
    GROUP BY currency, day
),
affected AS (
    SELECT changed.currency,
           changed.logged_at,
           changed.day::timestamp AT TIME ZONE 'UTC' AS starts,
           coalesce(
               (SELECT min(r.day) FROM currencies_exchangerate AS r
                WHERE r.currency = changed.currency AND r.day > changed.day
               )::timestamp AT TIME ZONE 'UTC',
               'infinity'
           ) AS ends
    FROM changed
)
INSERT INTO reports_data.order_change (order_id, logged_at)
SELECT o.id, affected.logged_at
FROM affected
JOIN orders_order AS o
    ON o.currency = affected.currency
   AND o.created_at >= affected.starts
   AND o.created_at < affected.ends
