CREATE TABLE market_achievements (
    id {ID},
    external_id TEXT UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    keywords TEXT NOT NULL,
    discipline TEXT NOT NULL,
    category TEXT NOT NULL,
    maturity BIGINT NOT NULL,
    modes TEXT NOT NULL,
    price_fen BIGINT,
    status TEXT NOT NULL,
    listed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX market_achievements_org ON market_achievements(organisation_id);
CREATE INDEX market_achievements_listed ON market_achievements(status, listed_at);
CREATE TABLE market_change_clock (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO market_change_clock (id, seq) VALUES (1, 0);
CREATE TABLE market_changes (
    seq BIGINT PRIMARY KEY,
    achievement_id BIGINT NOT NULL,
    at BIGINT NOT NULL
)
