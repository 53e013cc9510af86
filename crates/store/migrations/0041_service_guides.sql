-- The service guide (办事指南): the platform ships a guide for each service, and a row here is the
-- bureau own text of one, in Chinese and English (JSON), which replaces the shipped text.
-- `version` counts the edits, so two editors cannot overwrite each other unseen.
CREATE TABLE service_guides (
    code TEXT PRIMARY KEY,
    zh TEXT NOT NULL,
    en TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
