-- bench.peers, on its copy only: bench_orders_1m may have been migrated by another branch whose
-- reports.0006 lacks the basket cap this checkout's apply and views call (issue 19). The same
-- function as reports/sql/bounds_v1.sql, created when missing, so this checkout's follower runs.
CREATE OR REPLACE FUNCTION reports_data.also_bought_max_skus() RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 50;
