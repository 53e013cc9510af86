CREATE TABLE org_unit_counts (
    unit_path {PATH} PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO org_unit_counts (unit_path, n) SELECT unit_path, COUNT(*) FROM organisations GROUP BY unit_path;
