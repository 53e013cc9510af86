CREATE TABLE programmes (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE programme_budgets (
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    year BIGINT NOT NULL,
    budget_fen BIGINT NOT NULL,
    committed_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (programme_id, year)
);
CREATE TABLE organisation_qualifications (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    code TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    PRIMARY KEY (organisation_id, code)
);
CREATE TABLE calls (
    id {ID},
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    year BIGINT NOT NULL,
    guidelines TEXT NOT NULL,
    topics TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    budget_rules TEXT NOT NULL,
    applicant_deadline TEXT NOT NULL,
    organisation_deadline TEXT NOT NULL,
    zone_deadline TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE applications (
    id {ID},
    call_id BIGINT NOT NULL REFERENCES calls(id),
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    summary TEXT NOT NULL,
    leader_user_id BIGINT NOT NULL REFERENCES users(id),
    leader_name TEXT NOT NULL,
    leader_key TEXT NOT NULL,
    members TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    unit_path {PATH} NOT NULL,
    budget TEXT NOT NULL,
    requested_fen BIGINT NOT NULL,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    duplicate_of TEXT NOT NULL,
    granted_fen BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX applications_call ON applications(call_id, stage);
CREATE INDEX applications_org ON applications(organisation_id);
CREATE INDEX applications_unit ON applications(unit_path);
CREATE INDEX applications_leader ON applications(leader_user_id);
CREATE TABLE application_events (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    action TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX application_events_app ON application_events(application_id)
