-- Annual tasks and their supervision (seed 004): the year's work plan as tasks with a lead unit,
-- partner units, a start, a deadline and a measurable outcome, broken down (parent_id) to zones
-- and counties, progress reported once a month with evidence files, reminders sent.
CREATE TABLE supervision_tasks (
    id {ID},
    year BIGINT NOT NULL,
    parent_id BIGINT REFERENCES supervision_tasks(id),
    title TEXT NOT NULL,
    lead_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    partners TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    deadline TEXT NOT NULL,
    target DOUBLE PRECISION NOT NULL,
    measure TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX supervision_tasks_year ON supervision_tasks(year, lead_unit_id);
CREATE TABLE supervision_progress (
    id {ID},
    task_id BIGINT NOT NULL REFERENCES supervision_tasks(id),
    month TEXT NOT NULL,
    percent BIGINT NOT NULL,
    achieved DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at BIGINT NOT NULL,
    CONSTRAINT supervision_progress_month UNIQUE (task_id, month)
);
CREATE TABLE supervision_evidence (
    id {ID},
    progress_id BIGINT NOT NULL REFERENCES supervision_progress(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX supervision_evidence_progress ON supervision_evidence(progress_id);
CREATE TABLE supervision_reminders (
    id {ID},
    task_id BIGINT NOT NULL REFERENCES supervision_tasks(id),
    standing TEXT NOT NULL,
    sent_by TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
