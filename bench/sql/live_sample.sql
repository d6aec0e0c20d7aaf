-- The live benchmark's candidates: a fixed pseudo-random sample of orders spread over the whole
-- table, chosen by a hash of the id (the same ids on the same data, wherever the rows lie on
-- disk). The caller shuffles it and shares it out between the kinds of change.
SELECT o.id, o.customer_id, o.current_status
FROM orders_order AS o
WHERE abs(hashint8(o.id + %(seed)s)) %% 1000000 < %(per_million)s
ORDER BY o.id
