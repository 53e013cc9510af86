CREATE TABLE task_books (
    application_id BIGINT PRIMARY KEY REFERENCES applications(id),
    goals TEXT NOT NULL,
    deliverables TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    post_subsidy BIGINT NOT NULL,
    signed_by TEXT NOT NULL,
    signed_at BIGINT NOT NULL
);
CREATE TABLE project_conditions (
    application_id BIGINT NOT NULL REFERENCES applications(id),
    condition TEXT NOT NULL,
    opinion TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (application_id, condition)
);
CREATE TABLE instalments (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    seq BIGINT NOT NULL,
    condition TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    prepared_by TEXT NOT NULL,
    prepared_at BIGINT NOT NULL,
    released_by TEXT NOT NULL,
    released_at BIGINT NOT NULL,
    CONSTRAINT instalments_seq_key UNIQUE (application_id, seq)
)
