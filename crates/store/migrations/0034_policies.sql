CREATE TABLE policies (
    id {ID},
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    doc_number TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT NOT NULL,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT policies_code_key UNIQUE (code)
);
CREATE TABLE policy_versions (
    policy_id BIGINT NOT NULL REFERENCES policies(id),
    version BIGINT NOT NULL,
    eligible TEXT NOT NULL,
    amount TEXT NOT NULL,
    firm_cap_fen BIGINT,
    programme_cap_fen BIGINT,
    saved_by TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, version),
    CONSTRAINT policy_versions_caps CHECK ((firm_cap_fen IS NULL OR firm_cap_fen > 0) AND (programme_cap_fen IS NULL OR programme_cap_fen > 0))
);
CREATE TABLE policy_runs (
    id {ID},
    policy_id BIGINT NOT NULL REFERENCES policies(id),
    version BIGINT NOT NULL,
    year BIGINT NOT NULL,
    status TEXT NOT NULL,
    assessed BIGINT NOT NULL,
    entitled BIGINT NOT NULL,
    total_fen BIGINT NOT NULL,
    scaled BIGINT NOT NULL,
    digest TEXT NOT NULL,
    run_by TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    checked_by TEXT NOT NULL DEFAULT '',
    checked_at BIGINT NOT NULL DEFAULT 0,
    check_note TEXT NOT NULL DEFAULT '',
    published_at BIGINT NOT NULL DEFAULT 0,
    objections_until TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (policy_id, version) REFERENCES policy_versions(policy_id, version)
);
CREATE UNIQUE INDEX policy_runs_live ON policy_runs(policy_id, year) WHERE status <> 'returned';
CREATE TABLE policy_entitlements (
    run_id BIGINT NOT NULL REFERENCES policy_runs(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    amount_fen BIGINT NOT NULL,
    trace TEXT NOT NULL,
    status TEXT NOT NULL,
    applied_reference TEXT NOT NULL DEFAULT '',
    account_name TEXT NOT NULL DEFAULT '',
    bank TEXT NOT NULL DEFAULT '',
    account_no TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL DEFAULT '',
    confirmed_at BIGINT NOT NULL DEFAULT 0,
    objection TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    paid_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, organisation_id),
    CONSTRAINT policy_entitlements_amount CHECK (amount_fen >= 0)
);
CREATE INDEX policy_entitlements_organisation ON policy_entitlements(organisation_id);
CREATE TABLE policy_payments (
    policy_id BIGINT NOT NULL REFERENCES policies(id),
    year BIGINT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    route TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    paid_by TEXT NOT NULL,
    paid_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, year, organisation_id),
    CONSTRAINT policy_payments_amount CHECK (amount_fen > 0)
);
