CREATE TABLE market_brokerages (
    id {ID},
    broker_organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    broker_user_id BIGINT NOT NULL REFERENCES users(id),
    achievement_id BIGINT NOT NULL REFERENCES market_achievements(id),
    buyer_name TEXT NOT NULL,
    stage TEXT NOT NULL,
    contract_id BIGINT REFERENCES tech_contracts(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX market_brokerages_broker ON market_brokerages(broker_organisation_id);
CREATE TABLE market_brokerage_steps (
    id {ID},
    brokerage_id BIGINT NOT NULL REFERENCES market_brokerages(id),
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX market_brokerage_steps_brokerage ON market_brokerage_steps(brokerage_id)
