-- The currencies the orders are in, for the admin's filter (orders.selectors.order_currencies).
-- A skip scan of order_currency_day_idx: one index descent per currency, never the whole table
-- (SELECT DISTINCT would read every order).
WITH RECURSIVE found AS (
    (SELECT currency FROM orders_order ORDER BY currency LIMIT 1)
    UNION ALL
    SELECT (SELECT o.currency
            FROM orders_order AS o
            WHERE o.currency > found.currency
            ORDER BY o.currency
            LIMIT 1)
    FROM found
    WHERE found.currency IS NOT NULL
)
SELECT currency FROM found WHERE currency IS NOT NULL
