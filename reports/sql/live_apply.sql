-- Apply the pending changes to the stored reports: refresh_reports runs this in one REPEATABLE
-- READ transaction that holds the refresh_state row lock, so every statement sees one snapshot.
-- 1. Consume the change log: the rows visible in the snapshot, i.e. written by writes committed
--    before it, of at most %(batch)s orders, oldest first. Rows committed later, and those of
--    orders beyond the batch, stay for the next run; a rolled-back write never shows.
-- 2. Per touched order, the old contribution (order_applied) and the new one (read from the
--    orders through their indexes); only orders whose contribution differs go on.
-- 3. Sums and counts move by the difference (old out, new in); min/max-like fields (a
--    customer's first and last order, a product's newest name) are recomputed for the touched
--    keys only, through an index. Re-applying an order whose contribution is already applied
--    changes nothing, so a change log row seen twice cannot count twice.
-- The working tables (live_tables.sql, made once per session by reports.refresh.apply_pending)
-- are emptied by every commit; inside a caller's transaction (tests) an earlier run's rows are
-- still there, so each run starts by emptying them.
-- No JIT: the planner's estimates over the big stored tables pass jit_above_cost, and compiling
-- costs more than the statements it would speed up (1,000 changed orders at 10M: 196-213 ms
-- with it, 150-179 ms without; the customer_stats upsert alone 31-41 ms -> 14-17 ms).
SET LOCAL jit = off;

DELETE FROM live_order;
DELETE FROM live_customer_change;
DELETE FROM live_old;
DELETE FROM live_new;
DELETE FROM live_delta;
DELETE FROM live_day;
DELETE FROM live_sku;
DELETE FROM live_pair;
DELETE FROM live_customer;
DELETE FROM live_revenue;
DELETE FROM live_level;

-- At most %(batch)s orders a run (NULL: all), those changed longest ago first, with every log
-- row of each: one client's big change delays the others by one bounded run at most.
WITH batch AS (
    SELECT order_id
    FROM reports_data.order_change
    GROUP BY order_id
    ORDER BY min(logged_at), order_id
    LIMIT %(batch)s
),
consumed AS (
    DELETE FROM reports_data.order_change AS change
    USING batch
    WHERE change.order_id = batch.order_id
    RETURNING change.order_id
)
INSERT INTO live_order SELECT DISTINCT order_id FROM consumed;
-- Temporary tables have no statistics until analyzed: without them the planner guesses
-- thousands of rows and scans the orders instead of probing their indexes.
ANALYZE live_order;

WITH consumed AS (DELETE FROM reports_data.customer_change RETURNING customer_id)
INSERT INTO live_customer_change SELECT DISTINCT customer_id FROM consumed;
ANALYZE live_customer_change;

INSERT INTO live_old
SELECT applied.*
FROM live_order AS touched
JOIN reports_data.order_applied AS applied ON applied.order_id = touched.order_id;

-- Money in the base currency at the order's rate (reports_data.order_rate: the latest on or
-- before its UTC day); each sku's revenue converts and rounds on its own, as in the definitions
-- (reports_definition.order_line_base). Without a rate, 0: the order counts, unconverted.
INSERT INTO live_new
SELECT o.id AS order_id,
       o.customer_id,
       o.created_at,
       o.current_status::varchar(20) AS status,
       coalesce(round(o.total_amount * fx.rate, 2), 0) AS total_amount,
       coalesce(line.skus, '{}')::varchar(50)[] AS skus,
       coalesce(line.units, '{}')::bigint[] AS units,
       coalesce(line.revenue, '{}')::numeric[] AS revenue,
       o.channel,
       o.currency,
       fx.rate,
       o.total_amount AS original_total
FROM live_order AS touched
JOIN orders_order AS o ON o.id = touched.order_id
CROSS JOIN LATERAL (
    SELECT reports_data.order_rate(o.currency, (o.created_at AT TIME ZONE 'UTC')::date) AS rate
) AS fx
LEFT JOIN LATERAL (
    SELECT array_agg(per_sku.sku ORDER BY per_sku.sku) AS skus,
           array_agg(per_sku.units ORDER BY per_sku.sku) AS units,
           array_agg(coalesce(round(per_sku.revenue * fx.rate, 2), 0) ORDER BY per_sku.sku)
               AS revenue
    FROM (
        SELECT i.sku, sum(i.quantity)::bigint AS units, sum(i.quantity * i.price) AS revenue
        FROM orders_orderitem AS i
        WHERE i.order_id = o.id
        GROUP BY i.sku
    ) AS per_sku
) AS line ON true;

-- sign -1: a contribution to take out; +1: one to put in.
INSERT INTO live_delta
SELECT -1 AS sign, old.*
FROM live_old AS old
WHERE NOT EXISTS (
    SELECT FROM live_new AS new
    WHERE new.order_id = old.order_id
      AND (new.customer_id, new.created_at, new.status, new.total_amount, new.skus, new.units,
           new.revenue, new.channel, new.currency, new.rate, new.original_total)
          IS NOT DISTINCT FROM
          (old.customer_id, old.created_at, old.status, old.total_amount, old.skus, old.units,
           old.revenue, old.channel, old.currency, old.rate, old.original_total)
)
UNION ALL
SELECT 1 AS sign, new.*
FROM live_new AS new
WHERE NOT EXISTS (
    SELECT FROM live_old AS old
    WHERE old.order_id = new.order_id
      AND (new.customer_id, new.created_at, new.status, new.total_amount, new.skus, new.units,
           new.revenue, new.channel, new.currency, new.rate, new.original_total)
          IS NOT DISTINCT FROM
          (old.customer_id, old.created_at, old.status, old.total_amount, old.skus, old.units,
           old.revenue, old.channel, old.currency, old.rate, old.original_total)
);
ANALYZE live_delta;

UPDATE reports_data.status_counts AS stored
SET orders_count = stored.orders_count + delta.orders_count
FROM (
    SELECT status, sum(sign) AS orders_count
    FROM live_delta
    WHERE status IS NOT NULL
    GROUP BY status
) AS delta
WHERE stored.status = delta.status AND delta.orders_count <> 0;

INSERT INTO live_day
SELECT (created_at AT TIME ZONE 'UTC')::date AS day,
       sum(sign) AS orders_count,
       coalesce(sum(sign) FILTER (WHERE status = 'Complete'), 0) AS completed_orders,
       coalesce(sum(sign) FILTER (WHERE status = 'Cancelled'), 0) AS cancelled_orders,
       coalesce(sum(sign * total_amount) FILTER (WHERE status = 'Complete'), 0) AS revenue
FROM live_delta
GROUP BY 1;

INSERT INTO reports_data.daily_order_stats AS stored
    (day, orders_count, completed_orders, cancelled_orders, revenue)
SELECT day, orders_count, completed_orders, cancelled_orders, revenue
FROM live_day
ON CONFLICT (day) DO UPDATE
SET orders_count = stored.orders_count + excluded.orders_count,
    completed_orders = stored.completed_orders + excluded.completed_orders,
    cancelled_orders = stored.cancelled_orders + excluded.cancelled_orders,
    revenue = stored.revenue + excluded.revenue;

DELETE FROM reports_data.daily_order_stats AS stored
USING live_day
WHERE stored.day = live_day.day AND stored.orders_count = 0;

-- Products: every sku on a touched order, changed or not (an item's new name changes no sum).
INSERT INTO live_sku
SELECT DISTINCT line.sku
FROM (SELECT skus FROM live_old UNION ALL SELECT skus FROM live_new) AS touched,
     unnest(touched.skus) AS line (sku);
ANALYZE live_sku;

WITH delta AS (
    SELECT line.sku,
           sum(d.sign * line.units) AS units_sold,
           sum(d.sign * line.revenue) AS revenue,
           sum(d.sign) AS orders_count
    FROM live_delta AS d,
         unnest(d.skus, d.units, d.revenue) AS line (sku, units, revenue)
    WHERE d.status = 'Complete'
    GROUP BY line.sku
),
newest AS (
    SELECT live_sku.sku, item.name
    FROM live_sku
    CROSS JOIN LATERAL (
        SELECT i.name
        FROM orders_orderitem AS i
        WHERE i.sku = live_sku.sku
        ORDER BY i.id DESC
        LIMIT 1
    ) AS item
)
INSERT INTO reports_data.product_sales AS stored (sku, name, units_sold, revenue, orders_count)
SELECT newest.sku,
       newest.name,
       coalesce(delta.units_sold, 0),
       coalesce(delta.revenue, 0),
       coalesce(delta.orders_count, 0)
FROM newest
LEFT JOIN delta ON delta.sku = newest.sku
ON CONFLICT (sku) DO UPDATE
SET name = excluded.name,
    units_sold = stored.units_sold + excluded.units_sold,
    revenue = stored.revenue + excluded.revenue,
    orders_count = stored.orders_count + excluded.orders_count;

DELETE FROM reports_data.product_sales AS stored
USING live_sku
WHERE stored.sku = live_sku.sku
  AND NOT EXISTS (SELECT FROM orders_orderitem AS i WHERE i.sku = live_sku.sku);

INSERT INTO live_pair
SELECT a.sku, b.sku AS other_sku, sum(d.sign) AS orders_together
FROM live_delta AS d,
     unnest(d.skus) AS a (sku),
     unnest(d.skus) AS b (sku)
WHERE d.status IS DISTINCT FROM 'Cancelled'
  AND cardinality(d.skus) BETWEEN 2 AND (SELECT max_skus FROM reports_definition.also_bought_basket)
  AND a.sku <> b.sku
GROUP BY a.sku, b.sku
HAVING sum(d.sign) <> 0;

INSERT INTO reports_data.also_bought_pair AS stored (sku, other_sku, orders_together)
SELECT sku, other_sku, orders_together
FROM live_pair
ON CONFLICT (sku, other_sku) DO UPDATE
SET orders_together = stored.orders_together + excluded.orders_together;

DELETE FROM reports_data.also_bought_pair AS stored
USING live_pair
WHERE stored.sku = live_pair.sku
  AND stored.other_sku = live_pair.other_sku
  AND stored.orders_together = 0;

-- Customers: counts and revenue move by the deltas, without reading their other orders. The
-- first and last order move with the orders put in; only when an order that may have set one
-- is taken out (deleted, moved to another customer, its created_at changed) are they recomputed,
-- through orders_order's customer index, for that customer alone.
INSERT INTO live_customer
WITH moved AS (
    SELECT customer_id,
           sum(sign) AS orders_count,
           coalesce(sum(sign) FILTER (WHERE status = 'Complete'), 0) AS completed_orders,
           coalesce(sum(sign) FILTER (WHERE status = 'Cancelled'), 0) AS cancelled_orders,
           coalesce(sum(sign) FILTER (WHERE status = 'Pending'), 0) AS pending_orders,
           coalesce(sum(sign * total_amount) FILTER (WHERE status = 'Complete'), 0) AS revenue,
           min(created_at) FILTER (WHERE sign = 1) AS first_in,
           max(created_at) FILTER (WHERE sign = 1) AS last_in
    FROM live_delta
    GROUP BY customer_id
),
taken_out AS (
    SELECT old.customer_id, min(old.created_at) AS first_out, max(old.created_at) AS last_out
    FROM live_delta AS old
    WHERE old.sign = -1
      AND NOT EXISTS (
          SELECT FROM live_delta AS new
          WHERE new.sign = 1
            AND new.order_id = old.order_id
            AND new.customer_id = old.customer_id
            AND new.created_at = old.created_at
      )
    GROUP BY old.customer_id
)
SELECT coalesce(moved.customer_id, changed.customer_id) AS customer_id,
       coalesce(moved.orders_count, 0) AS orders_count,
       coalesce(moved.completed_orders, 0) AS completed_orders,
       coalesce(moved.cancelled_orders, 0) AS cancelled_orders,
       coalesce(moved.pending_orders, 0) AS pending_orders,
       coalesce(moved.revenue, 0) AS revenue,
       moved.first_in,
       moved.last_in,
       taken_out.first_out,
       taken_out.last_out
FROM moved
FULL JOIN live_customer_change AS changed ON changed.customer_id = moved.customer_id
LEFT JOIN taken_out ON taken_out.customer_id = moved.customer_id;
ANALYZE live_customer;

-- Their revenues before (-1) and after (+1), for the rank structure below.
INSERT INTO live_revenue
SELECT stored.total_revenue, -1 AS sign
FROM reports_data.customer_stats AS stored
JOIN live_customer ON live_customer.customer_id = stored.customer_id;

DELETE FROM reports_data.customer_stats AS stored
USING live_customer
WHERE stored.customer_id = live_customer.customer_id
  AND NOT EXISTS (SELECT FROM orders_customer AS c WHERE c.id = live_customer.customer_id);

INSERT INTO reports_data.customer_stats AS stored
    (customer_id, username, orders_count, completed_orders, cancelled_orders, pending_orders,
     total_revenue, first_order_at, last_order_at)
SELECT c.id,
       c.username,
       coalesce(old.orders_count, 0) + d.orders_count,
       coalesce(old.completed_orders, 0) + d.completed_orders,
       coalesce(old.cancelled_orders, 0) + d.cancelled_orders,
       coalesce(old.pending_orders, 0) + d.pending_orders,
       coalesce(old.total_revenue, 0) + d.revenue,
       CASE WHEN d.first_out <= old.first_order_at
            THEN (SELECT min(o.created_at) FROM orders_order AS o WHERE o.customer_id = c.id)
            ELSE least(old.first_order_at, d.first_in) END,
       CASE WHEN d.last_out >= old.last_order_at
            THEN (SELECT max(o.created_at) FROM orders_order AS o WHERE o.customer_id = c.id)
            ELSE greatest(old.last_order_at, d.last_in) END
FROM live_customer AS d
JOIN orders_customer AS c ON c.id = d.customer_id
LEFT JOIN reports_data.customer_stats AS old ON old.customer_id = d.customer_id
ON CONFLICT (customer_id) DO UPDATE
SET username = excluded.username,
    orders_count = excluded.orders_count,
    completed_orders = excluded.completed_orders,
    cancelled_orders = excluded.cancelled_orders,
    pending_orders = excluded.pending_orders,
    total_revenue = excluded.total_revenue,
    first_order_at = excluded.first_order_at,
    last_order_at = excluded.last_order_at
WHERE (stored.username, stored.orders_count, stored.completed_orders, stored.cancelled_orders,
       stored.pending_orders, stored.total_revenue, stored.first_order_at, stored.last_order_at)
      IS DISTINCT FROM
      (excluded.username, excluded.orders_count, excluded.completed_orders,
       excluded.cancelled_orders, excluded.pending_orders, excluded.total_revenue,
       excluded.first_order_at, excluded.last_order_at);

INSERT INTO live_revenue (total_revenue, sign)
SELECT stored.total_revenue, 1
FROM reports_data.customer_stats AS stored
JOIN live_customer ON live_customer.customer_id = stored.customer_id;

-- Revenue levels (distinct revenues with their customer count) and the levels per bucket.
-- Analyzed, or the planner guesses ~1,300 rows and hashes all of revenue_level for EXISTS.
ANALYZE live_revenue;
INSERT INTO live_level
SELECT moved.total_revenue,
       moved.customers,
       EXISTS (
           SELECT FROM reports_data.revenue_level AS level
           WHERE level.total_revenue = moved.total_revenue
       ) AS existed
FROM (
    SELECT total_revenue, sum(sign) AS customers
    FROM live_revenue
    GROUP BY total_revenue
    HAVING sum(sign) <> 0
) AS moved;

ANALYZE live_level;

INSERT INTO reports_data.revenue_level AS level (total_revenue, customers)
SELECT total_revenue, customers
FROM live_level
ON CONFLICT (total_revenue) DO UPDATE SET customers = level.customers + excluded.customers;

DELETE FROM reports_data.revenue_level AS level
USING live_level
WHERE level.total_revenue = live_level.total_revenue AND level.customers = 0;

WITH moved AS (
    SELECT reports_data.revenue_bucket(live_level.total_revenue) AS bucket,
           sum(
               EXISTS (
                   SELECT FROM reports_data.revenue_level AS level
                   WHERE level.total_revenue = live_level.total_revenue
               )::integer - live_level.existed::integer
           ) AS levels
    FROM live_level
    GROUP BY 1
)
INSERT INTO reports_data.revenue_bucket AS stored (bucket, levels)
SELECT bucket, levels
FROM moved
WHERE levels <> 0
ON CONFLICT (bucket) DO UPDATE SET levels = stored.levels + excluded.levels;

DELETE FROM reports_data.revenue_bucket WHERE levels = 0;

-- The new contributions become the applied ones.
DELETE FROM reports_data.order_applied AS applied
USING live_delta
WHERE applied.order_id = live_delta.order_id AND live_delta.sign = -1;

INSERT INTO reports_data.order_applied
    (order_id, customer_id, created_at, status, total_amount, skus, units, revenue, channel,
     currency, rate, original_total)
SELECT order_id, customer_id, created_at, status, total_amount, skus, units, revenue, channel,
       currency, rate, original_total
FROM live_delta
WHERE sign = 1;

SELECT (SELECT count(*) FROM live_order) AS orders_touched,
       (SELECT count(*) FROM live_delta WHERE sign = 1) + (
           SELECT count(*) FROM live_delta AS gone
           WHERE gone.sign = -1
             AND NOT EXISTS (SELECT FROM live_new WHERE live_new.order_id = gone.order_id)
       ) AS orders_changed,
       (SELECT count(*) FROM live_customer) AS customers_touched,
       -- Left for the next run (beyond the batch): as_of must not claim it.
       (SELECT min(logged_at) FROM reports_data.order_change) AS oldest_left;
