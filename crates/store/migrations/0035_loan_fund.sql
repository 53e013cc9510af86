CREATE TABLE loan_funds (
    id {ID},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    capital_fen BIGINT NOT NULL DEFAULT 0,
    committed_fen BIGINT NOT NULL DEFAULT 0,
    paid_fen BIGINT NOT NULL DEFAULT 0,
    recovered_fen BIGINT NOT NULL DEFAULT 0,
    available_fen BIGINT NOT NULL DEFAULT 0,
    interest_subsidy_pct BIGINT NOT NULL DEFAULT 0,
    interest_subsidy_cap_fen BIGINT NOT NULL DEFAULT 0,
    guarantee_subsidy_pct BIGINT NOT NULL DEFAULT 0,
    guarantee_subsidy_cap_fen BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT loan_funds_code_key UNIQUE (code),
    CONSTRAINT loan_funds_balanced CHECK (available_fen >= 0 AND committed_fen >= 0 AND paid_fen >= 0 AND recovered_fen >= 0
        AND capital_fen = committed_fen + paid_fen - recovered_fen + available_fen)
);
CREATE TABLE fund_postings (
    id {ID},
    fund_id BIGINT NOT NULL REFERENCES loan_funds(id),
    op TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    claim_id BIGINT,
    subsidy_id BIGINT,
    note TEXT NOT NULL,
    request_key TEXT NOT NULL DEFAULT '',
    capital_fen BIGINT NOT NULL,
    committed_fen BIGINT NOT NULL,
    paid_fen BIGINT NOT NULL,
    recovered_fen BIGINT NOT NULL,
    available_fen BIGINT NOT NULL,
    posted_by TEXT NOT NULL,
    posted_at BIGINT NOT NULL,
    CONSTRAINT fund_postings_amount CHECK (amount_fen > 0)
);
CREATE INDEX fund_postings_fund ON fund_postings(fund_id, id);
CREATE UNIQUE INDEX fund_postings_key ON fund_postings(request_key) WHERE request_key <> '';
CREATE TABLE loan_agreements (
    id {ID},
    fund_id BIGINT NOT NULL REFERENCES loan_funds(id),
    bank_id BIGINT NOT NULL REFERENCES organisations(id),
    loss_share_pct BIGINT NOT NULL,
    loan_cap_fen BIGINT NOT NULL,
    bank_quota_fen BIGINT NOT NULL,
    compensation_cap_fen BIGINT NOT NULL,
    max_term_months BIGINT NOT NULL,
    max_rate_bp BIGINT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    outstanding_fen BIGINT NOT NULL DEFAULT 0,
    lent_fen BIGINT NOT NULL DEFAULT 0,
    compensated_fen BIGINT NOT NULL DEFAULT 0,
    signed_by TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    CONSTRAINT loan_agreements_bank_key UNIQUE (fund_id, bank_id),
    CONSTRAINT loan_agreements_limits CHECK (outstanding_fen >= 0 AND outstanding_fen <= bank_quota_fen AND compensated_fen >= 0 AND compensated_fen <= compensation_cap_fen)
);
CREATE TABLE fund_white_list (
    fund_id BIGINT NOT NULL REFERENCES loan_funds(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    basis TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (fund_id, organisation_id)
);
CREATE TABLE fund_loans (
    id {ID},
    fund_id BIGINT NOT NULL REFERENCES loan_funds(id),
    agreement_id BIGINT NOT NULL REFERENCES loan_agreements(id),
    bank_id BIGINT NOT NULL REFERENCES organisations(id),
    borrower_id BIGINT NOT NULL REFERENCES organisations(id),
    contract_no TEXT NOT NULL,
    principal_fen BIGINT NOT NULL,
    rate_bp BIGINT NOT NULL,
    term_months BIGINT NOT NULL,
    start_date TEXT NOT NULL,
    repayment TEXT NOT NULL,
    guarantee TEXT NOT NULL,
    outstanding_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    request_key TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    CONSTRAINT fund_loans_contract_key UNIQUE (bank_id, contract_no),
    CONSTRAINT fund_loans_outstanding CHECK (outstanding_fen >= 0 AND outstanding_fen <= principal_fen)
);
CREATE INDEX fund_loans_borrower ON fund_loans(borrower_id);
CREATE UNIQUE INDEX fund_loans_key ON fund_loans(request_key) WHERE request_key <> '';
CREATE TABLE fund_loan_instalments (
    loan_id BIGINT NOT NULL REFERENCES fund_loans(id),
    seq BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    principal_fen BIGINT NOT NULL,
    interest_fen BIGINT NOT NULL,
    repaid_on TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (loan_id, seq)
);
CREATE TABLE fund_claims (
    id {ID},
    fund_id BIGINT NOT NULL REFERENCES loan_funds(id),
    loan_id BIGINT NOT NULL REFERENCES fund_loans(id),
    bank_id BIGINT NOT NULL REFERENCES organisations(id),
    loss_fen BIGINT NOT NULL,
    share_pct BIGINT NOT NULL,
    compensation_fen BIGINT NOT NULL,
    defaulted_on TEXT NOT NULL,
    steps TEXT NOT NULL,
    status TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    approved_by TEXT NOT NULL DEFAULT '',
    approved_at BIGINT NOT NULL DEFAULT 0,
    paid_by TEXT NOT NULL DEFAULT '',
    paid_at BIGINT NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    recovered_fen BIGINT NOT NULL DEFAULT 0,
    returned_fen BIGINT NOT NULL DEFAULT 0,
    request_key TEXT NOT NULL DEFAULT '',
    CONSTRAINT fund_claims_share CHECK (compensation_fen > 0 AND returned_fen <= compensation_fen)
);
CREATE UNIQUE INDEX fund_claims_live ON fund_claims(loan_id) WHERE status <> 'rejected';
CREATE UNIQUE INDEX fund_claims_key ON fund_claims(request_key) WHERE request_key <> '';
CREATE TABLE fund_recoveries (
    id {ID},
    claim_id BIGINT NOT NULL REFERENCES fund_claims(id),
    recovered_fen BIGINT NOT NULL,
    returned_fen BIGINT NOT NULL,
    note TEXT NOT NULL,
    request_key TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    CONSTRAINT fund_recoveries_amount CHECK (recovered_fen > 0 AND returned_fen >= 0)
);
CREATE UNIQUE INDEX fund_recoveries_key ON fund_recoveries(request_key) WHERE request_key <> '';
CREATE TABLE fund_subsidies (
    id {ID},
    fund_id BIGINT NOT NULL REFERENCES loan_funds(id),
    loan_id BIGINT NOT NULL REFERENCES fund_loans(id),
    borrower_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    base_fen BIGINT NOT NULL,
    share_pct BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    approved_by TEXT NOT NULL DEFAULT '',
    approved_at BIGINT NOT NULL DEFAULT 0,
    paid_by TEXT NOT NULL DEFAULT '',
    paid_at BIGINT NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    request_key TEXT NOT NULL DEFAULT '',
    CONSTRAINT fund_subsidies_amount CHECK (amount_fen > 0 AND amount_fen <= base_fen)
);
CREATE UNIQUE INDEX fund_subsidies_once ON fund_subsidies(loan_id, kind, year) WHERE status <> 'rejected';
CREATE UNIQUE INDEX fund_subsidies_key ON fund_subsidies(request_key) WHERE request_key <> '';
CREATE TABLE fund_pledges (
    id {ID},
    loan_id BIGINT NOT NULL REFERENCES fund_loans(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    patent_no TEXT NOT NULL,
    registration_no TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    status TEXT NOT NULL,
    released_on TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX fund_pledges_active ON fund_pledges(patent_no) WHERE status = 'active';
CREATE INDEX fund_pledges_loan ON fund_pledges(loan_id);
