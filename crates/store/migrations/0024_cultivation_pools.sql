CREATE TABLE pool_entries (
    id {ID},
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    year BIGINT NOT NULL,
    officer_id BIGINT REFERENCES users(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    decided_at BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT pool_entries_key UNIQUE (organisation_id, title, year)
);
CREATE INDEX pool_entries_year ON pool_entries(title, year);
CREATE TABLE pool_visits (
    id {ID},
    entry_id BIGINT NOT NULL REFERENCES pool_entries(id),
    visited_on TEXT NOT NULL,
    officer TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX pool_visits_entry ON pool_visits(entry_id, id);
