CREATE TABLE financing_demands (
    id {ID},
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    term_months BIGINT,
    purpose TEXT NOT NULL,
    collateral TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT financing_demands_amount CHECK (amount_fen > 0)
);
CREATE INDEX financing_demands_org ON financing_demands(organisation_id, id);
CREATE INDEX financing_demands_open ON financing_demands(status, kind, valid_until);
CREATE TABLE financing_products (
    id {ID},
    institution_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    rate_min_bp BIGINT,
    rate_max_bp BIGINT,
    amount_min_fen BIGINT NOT NULL,
    amount_max_fen BIGINT NOT NULL,
    term_min_months BIGINT,
    term_max_months BIGINT,
    requires TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT financing_products_amounts CHECK (amount_min_fen > 0 AND amount_min_fen <= amount_max_fen)
);
CREATE INDEX financing_products_institution ON financing_products(institution_id, id);
CREATE TABLE financing_followups (
    id {ID},
    demand_id BIGINT NOT NULL REFERENCES financing_demands(id),
    product_id BIGINT NOT NULL REFERENCES financing_products(id),
    institution_id BIGINT NOT NULL REFERENCES organisations(id),
    stage TEXT NOT NULL,
    approved_fen BIGINT,
    opened_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT financing_followups_pair UNIQUE (demand_id, product_id)
);
CREATE INDEX financing_followups_institution ON financing_followups(institution_id, updated_at);
CREATE TABLE financing_steps (
    id {ID},
    followup_id BIGINT NOT NULL REFERENCES financing_followups(id),
    stage TEXT NOT NULL,
    side TEXT NOT NULL,
    note TEXT NOT NULL,
    approved_fen BIGINT,
    taken_by TEXT NOT NULL,
    taken_at BIGINT NOT NULL
);
CREATE INDEX financing_steps_followup ON financing_steps(followup_id, id);
