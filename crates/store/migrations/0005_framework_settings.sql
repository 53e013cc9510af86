CREATE TABLE framework_settings (
    code TEXT PRIMARY KEY,
    public BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE framework_definitions (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL
)
