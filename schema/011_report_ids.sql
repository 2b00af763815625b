-- 011: ids for a whole batch of reports in one call. The batch inserts called report_id_next()
-- once per row, and that PL/pgSQL call was ~8 % of the database's CPU at ingest saturation
-- (perf on the writer backends, tests/bench/ingest). Same rule as 001: the transaction takes
-- its xid first, then the n ids, in order, so that the cluster worker's follow stays exact.
CREATE FUNCTION report_ids_next(n integer) RETURNS SETOF bigint LANGUAGE plpgsql VOLATILE
ROWS 64 AS $$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN QUERY SELECT nextval('reports_id_seq') FROM generate_series(1, n);
END;
$$;
