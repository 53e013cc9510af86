CREATE TABLE carriers (
    id {ID},
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    host_id BIGINT NOT NULL REFERENCES organisations(id),
    field TEXT NOT NULL DEFAULT '',
    recognised_on TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT carriers_name UNIQUE (kind, name)
);
CREATE INDEX carriers_host ON carriers(host_id);
CREATE TABLE carrier_partners (
    id {ID},
    carrier_id BIGINT NOT NULL REFERENCES carriers(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    CONSTRAINT carrier_partners_key UNIQUE (carrier_id, organisation_id)
);
CREATE TABLE carrier_evaluations (
    id {ID},
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT carrier_evaluations_key UNIQUE (kind, year)
);
CREATE TABLE carrier_grades (
    id {ID},
    carrier_id BIGINT NOT NULL REFERENCES carriers(id),
    year BIGINT NOT NULL,
    mean_score DOUBLE PRECISION,
    grade TEXT NOT NULL,
    consequence TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    graded_by TEXT NOT NULL,
    graded_at BIGINT NOT NULL,
    CONSTRAINT carrier_grades_key UNIQUE (carrier_id, year)
);
