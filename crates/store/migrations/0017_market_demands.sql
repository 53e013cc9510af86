CREATE TABLE market_demands (
    id {ID},
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    requirements TEXT NOT NULL,
    discipline TEXT NOT NULL,
    budget_fen BIGINT,
    deadline TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX market_demands_open ON market_demands(status, deadline);
CREATE INDEX market_demands_org ON market_demands(organisation_id)
