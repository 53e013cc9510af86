CREATE TABLE application_counts (
    call_id BIGINT NOT NULL,
    stage TEXT NOT NULL,
    n BIGINT NOT NULL,
    requested_fen BIGINT NOT NULL,
    granted_fen BIGINT NOT NULL,
    PRIMARY KEY (call_id, stage)
);
INSERT INTO application_counts (call_id, stage, n, requested_fen, granted_fen) SELECT call_id, stage, COUNT(*), CAST(COALESCE(SUM(requested_fen), 0) AS BIGINT), CAST(COALESCE(SUM(granted_fen), 0) AS BIGINT) FROM applications GROUP BY call_id, stage
