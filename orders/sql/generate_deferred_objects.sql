-- What a load into the empty generated tables builds afterwards, in one pass each: their plain
-- indexes (the unique ones stay, they back constraints) and the foreign keys they hold, each
-- with the definition that recreates it.
SELECT 'index' AS kind, t.relname AS table_name, i.relname AS name,
       pg_get_indexdef(i.oid) AS definition
FROM pg_index AS x
JOIN pg_class AS i ON i.oid = x.indexrelid
JOIN pg_class AS t ON t.oid = x.indrelid
WHERE x.indrelid = ANY (%(tables)s::regclass[])
  AND NOT x.indisunique
  AND NOT EXISTS (
      SELECT FROM pg_constraint AS k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid
  )
UNION ALL
SELECT 'foreign key', t.relname, k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint AS k
JOIN pg_class AS t ON t.oid = k.conrelid
WHERE k.contype = 'f' AND k.conrelid = ANY (%(tables)s::regclass[])
ORDER BY kind DESC, table_name, name;
