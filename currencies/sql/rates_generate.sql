-- Synthetic exchange rates (generate_rates): for each currency, one rate every %(every)s days
-- from %(first)s to %(last)s, a random walk of the rate's logarithm around its level (a daily
-- step of about ±0.6 %%), drawn from a hash of the seed, the currency and the day: the same
-- arguments give the same rates. Upserted like an upload (rates_upsert.sql): an equal rate is
-- not rewritten.
WITH level AS (
    SELECT *
    FROM unnest(%(currencies)s::text[], %(levels)s::float8[]) AS level(currency, level)
),
step AS (
    SELECT level.currency, level.level, d.day::date AS day,
           CASE WHEN d.day = %(first)s::date THEN 0
                ELSE ((hashtextextended(level.currency || d.day::date::text, %(seed)s)
                       & 9007199254740991)::float8 / 9007199254740992.0 - 0.5)
                     * 0.012 * sqrt(%(every)s::float8) END AS step
    FROM level
    CROSS JOIN generate_series(
        %(first)s::date, %(last)s::date, make_interval(days => %(every)s)
    ) AS d(day)
),
walk AS (
    SELECT currency, day,
           level * exp(sum(step) OVER (PARTITION BY currency ORDER BY day)) AS rate
    FROM step
)
INSERT INTO currencies_exchangerate AS r (currency, day, rate, source, updated_at)
SELECT currency, day,
       least(greatest(round(rate::numeric, 10), %(rate_min)s::numeric), %(rate_max)s::numeric),
       'generated', now()
FROM walk
ORDER BY currency, day
ON CONFLICT (currency, day) DO UPDATE
SET rate = EXCLUDED.rate, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
WHERE r.rate IS DISTINCT FROM EXCLUDED.rate
RETURNING (r.xmax = 0) AS created
