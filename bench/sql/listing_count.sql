-- The page count a paginator needs: every cancelled order of the relation composed in.
SELECT count(*)
FROM ({cancelled}) AS cancelled
