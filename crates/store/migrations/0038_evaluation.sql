-- Evaluation campaigns of counties and zones (seed 003): the framework (its TOML) and the
-- campaign's weights (JSON, checked with it by core::evaluation), the units' qualitative reports with evidence, the
-- invited evaluators and their scores (tenths, so one decimal is exact), the results and the
-- objections filed against them.
CREATE TABLE evaluation_campaigns (
    id {ID},
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    framework TEXT NOT NULL,
    weights TEXT NOT NULL,
    stage TEXT NOT NULL,
    report_until TEXT NOT NULL,
    objections_until TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL,
    public BIGINT NOT NULL DEFAULT 0,
    blind_salt TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT evaluation_campaigns_title UNIQUE (year, title)
);
CREATE TABLE evaluation_reports (
    id {ID},
    campaign_id BIGINT NOT NULL REFERENCES evaluation_campaigns(id),
    org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    item TEXT NOT NULL,
    body TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT evaluation_reports_one UNIQUE (campaign_id, org_unit_id, item)
);
CREATE TABLE evaluation_evidence (
    id {ID},
    report_id BIGINT NOT NULL REFERENCES evaluation_reports(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX evaluation_evidence_report ON evaluation_evidence(report_id);
CREATE TABLE evaluation_evaluators (
    campaign_id BIGINT NOT NULL REFERENCES evaluation_campaigns(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    invited_by TEXT NOT NULL,
    invited_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE TABLE evaluation_scores (
    campaign_id BIGINT NOT NULL REFERENCES evaluation_campaigns(id),
    org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    item TEXT NOT NULL,
    evaluator_id BIGINT NOT NULL REFERENCES users(id),
    tenths BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    scored_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, org_unit_id, item, evaluator_id)
);
CREATE TABLE evaluation_results (
    campaign_id BIGINT NOT NULL REFERENCES evaluation_campaigns(id),
    org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    score DOUBLE PRECISION,
    rank BIGINT,
    rank_low DOUBLE PRECISION,
    rank_high DOUBLE PRECISION,
    profile TEXT NOT NULL,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, org_unit_id)
);
CREATE TABLE evaluation_objections (
    id {ID},
    campaign_id BIGINT NOT NULL REFERENCES evaluation_campaigns(id),
    org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    body TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at BIGINT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    answered_by TEXT NOT NULL DEFAULT '',
    answered_at BIGINT
);
