CREATE TABLE talents (
    id {ID},
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    field TEXT NOT NULL DEFAULT '',
    programme TEXT NOT NULL,
    support_from TEXT NOT NULL,
    support_to TEXT NOT NULL,
    cycle_years BIGINT NOT NULL,
    placement TEXT NOT NULL DEFAULT '',
    expert_id BIGINT REFERENCES experts(id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT talents_key UNIQUE (organisation_id, programme, name)
);
CREATE INDEX talents_programme ON talents(programme);
CREATE TABLE teams (
    id {ID},
    name TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    field TEXT NOT NULL DEFAULT '',
    leader_id BIGINT NOT NULL REFERENCES talents(id),
    support_from TEXT NOT NULL,
    support_to TEXT NOT NULL,
    cycle_years BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT teams_key UNIQUE (organisation_id, name)
);
CREATE TABLE team_members (
    id {ID},
    team_id BIGINT NOT NULL REFERENCES teams(id),
    talent_id BIGINT NOT NULL REFERENCES talents(id),
    CONSTRAINT team_members_key UNIQUE (team_id, talent_id)
);
CREATE TABLE talent_reports (
    id {ID},
    subject TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    year BIGINT NOT NULL,
    summary TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    CONSTRAINT talent_reports_key UNIQUE (subject, subject_id, year)
);
