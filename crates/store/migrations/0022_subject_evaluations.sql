CREATE TABLE subject_evaluations (
    id {ID},
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    accounting_year BIGINT NOT NULL,
    inputs TEXT NOT NULL,
    verdict TEXT NOT NULL,
    outcome TEXT NOT NULL,
    score_min TEXT NOT NULL,
    score_max TEXT NOT NULL,
    evaluated_by TEXT NOT NULL,
    evaluated_at BIGINT NOT NULL
);
CREATE INDEX subject_evaluations_org ON subject_evaluations(organisation_id, kind, id);
