ALTER TABLE calls ADD COLUMN form TEXT NOT NULL DEFAULT '[]';
ALTER TABLE calls ADD COLUMN review_plan TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE task_books ADD COLUMN milestones TEXT NOT NULL DEFAULT '[]';
CREATE TABLE call_files (
    id {ID},
    call_id BIGINT NOT NULL REFERENCES calls(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX call_files_call ON call_files(call_id)
