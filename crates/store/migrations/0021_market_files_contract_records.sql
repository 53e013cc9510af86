ALTER TABLE tech_contracts ADD COLUMN review_round_id BIGINT REFERENCES review_rounds(id);
CREATE TABLE market_files (
    id {ID},
    subject TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX market_files_subject ON market_files(subject, subject_id);
CREATE TABLE tech_contract_changes (
    id {ID},
    contract_id BIGINT NOT NULL REFERENCES tech_contracts(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    party TEXT NOT NULL,
    proposed TEXT NOT NULL,
    previous TEXT NOT NULL,
    decision TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);
CREATE INDEX tech_contract_changes_contract ON tech_contract_changes(contract_id)
