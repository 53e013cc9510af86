-- The quarterly data release (seed 004, 按季度发布数据): the bureau releases a framework's
-- figures for a quarter once it has ended, and the public sees what was released, as released.
-- The figures are kept as they stood that day (a JSON snapshot of the whole and of each zone
-- and county), so a later revision of the data changes nothing published until it is released
-- again as a new revision, the audit keeping the one before.
CREATE TABLE data_releases (
    id {ID},
    framework TEXT NOT NULL,
    period TEXT NOT NULL,
    revision BIGINT NOT NULL,
    figures TEXT NOT NULL,
    released_by TEXT NOT NULL,
    released_at BIGINT NOT NULL,
    CONSTRAINT data_releases_period UNIQUE (framework, period)
);
