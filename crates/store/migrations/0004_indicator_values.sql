CREATE TABLE indicator_values (
    indicator TEXT NOT NULL,
    org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (indicator, org_unit_id, period)
)
