CREATE TABLE attachments (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX attachments_app ON attachments(application_id)
