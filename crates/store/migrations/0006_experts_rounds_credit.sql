CREATE TABLE experts (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    organisation_name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    title TEXT NOT NULL,
    fields TEXT NOT NULL,
    keywords TEXT NOT NULL,
    publications TEXT NOT NULL,
    projects TEXT NOT NULL,
    region TEXT NOT NULL,
    contact TEXT NOT NULL,
    groups TEXT NOT NULL,
    available_from TEXT NOT NULL,
    available_to TEXT NOT NULL,
    library TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    confirmed_year BIGINT NOT NULL,
    yearly_cap BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX experts_user ON experts(user_id);
CREATE TABLE expert_ties (
    id {ID},
    expert_id BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    year BIGINT
);
CREATE INDEX expert_ties_expert ON expert_ties(expert_id);
CREATE TABLE credit_records (
    id {ID},
    subject_kind TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    nature TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    source TEXT NOT NULL,
    record_date TEXT NOT NULL,
    sanction TEXT NOT NULL,
    points BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX credit_records_subject ON credit_records(subject_key);
CREATE TABLE review_rounds (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    call_name TEXT NOT NULL,
    library TEXT NOT NULL,
    mode TEXT NOT NULL,
    demand BIGINT NOT NULL,
    max_load BIGINT NOT NULL,
    rules TEXT NOT NULL,
    form TEXT NOT NULL,
    deadline TEXT NOT NULL,
    year BIGINT NOT NULL,
    status TEXT NOT NULL,
    seed_hash TEXT NOT NULL,
    seed TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT NOT NULL
);
CREATE TABLE review_items (
    id {ID},
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    discipline TEXT NOT NULL,
    applicant TEXT NOT NULL,
    members TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    org_name TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    avoid TEXT NOT NULL,
    CONSTRAINT review_items_code_key UNIQUE (round_id, code)
);
CREATE TABLE review_conflicts (
    round_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES review_items(id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (item_id, expert_id, kind, detail)
);
CREATE INDEX review_conflicts_round ON review_conflicts(round_id);
CREATE TABLE review_bids (
    item_id BIGINT NOT NULL REFERENCES review_items(id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    bid TEXT NOT NULL,
    PRIMARY KEY (item_id, expert_id)
);
CREATE TABLE review_assignments (
    id {ID},
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    item_id BIGINT NOT NULL REFERENCES review_items(id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    affinity DOUBLE PRECISION NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    scores TEXT NOT NULL,
    total DOUBLE PRECISION,
    recommendation TEXT NOT NULL,
    comment TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    saved_at BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    reminded_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT review_assignments_pair_key UNIQUE (item_id, expert_id)
);
CREATE INDEX review_assignments_round ON review_assignments(round_id);
CREATE INDEX review_assignments_expert ON review_assignments(expert_id);
CREATE TABLE review_draw_log (
    id {ID},
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    item_id BIGINT NOT NULL,
    expert_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    draw_key TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
)
