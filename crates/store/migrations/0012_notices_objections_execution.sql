CREATE TABLE call_notices (
    call_id BIGINT PRIMARY KEY REFERENCES calls(id),
    meeting_on TEXT NOT NULL,
    minutes TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL
);
CREATE TABLE notice_objections (
    id {ID},
    call_id BIGINT NOT NULL REFERENCES calls(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notice_objections_app ON notice_objections(application_id);
ALTER TABLE task_books ADD COLUMN budget TEXT NOT NULL DEFAULT '[]';
ALTER TABLE task_books ADD COLUMN status TEXT NOT NULL DEFAULT 'ongoing';
ALTER TABLE task_books ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE task_books ADD COLUMN extended BIGINT NOT NULL DEFAULT 0;
ALTER TABLE task_books ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE instalments ADD COLUMN cancelled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN department_opinion TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN suggested_fen BIGINT NOT NULL DEFAULT 0;
CREATE TABLE project_reports (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    seq BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    body TEXT NOT NULL,
    deliverables TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    reminded_at BIGINT NOT NULL,
    CONSTRAINT project_reports_key UNIQUE (application_id, kind, seq)
);
CREATE TABLE project_opinions (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    stage TEXT NOT NULL,
    expert TEXT NOT NULL,
    score BIGINT NOT NULL,
    conclusion TEXT NOT NULL,
    body TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX project_opinions_app ON project_opinions(application_id);
CREATE TABLE project_changes (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    decision TEXT NOT NULL
);
CREATE INDEX project_changes_app ON project_changes(application_id);
CREATE TABLE project_findings (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    findings TEXT NOT NULL,
    rectify_by TEXT NOT NULL,
    rectification TEXT NOT NULL,
    rectified_at BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX project_findings_app ON project_findings(application_id);
CREATE TABLE project_outputs (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    reference TEXT NOT NULL,
    on_date TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX project_outputs_app ON project_outputs(application_id);
CREATE TABLE project_outcomes (
    application_id BIGINT PRIMARY KEY REFERENCES applications(id),
    outcome TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    grade TEXT NOT NULL,
    opinion TEXT NOT NULL,
    credit_records TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL
)
