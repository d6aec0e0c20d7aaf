-- Put the orders' totals back (given as one JSON array of {id, total_amount}).
UPDATE orders_order AS o
SET total_amount = saved.total_amount
FROM jsonb_to_recordset(%(orders)s::jsonb) AS saved(id bigint, total_amount numeric)
WHERE o.id = saved.id AND o.total_amount <> saved.total_amount
