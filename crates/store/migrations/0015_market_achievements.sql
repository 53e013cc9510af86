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
    ip TEXT NOT NULL DEFAULT '[]',
    team TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    registration_no TEXT UNIQUE,
    views BIGINT NOT NULL DEFAULT 0,
    listed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX market_achievements_org ON market_achievements(organisation_id);
CREATE INDEX market_achievements_listed ON market_achievements(status, listed_at);
CREATE TABLE market_inquiries (
    id {ID},
    achievement_id BIGINT NOT NULL REFERENCES market_achievements(id),
    user_id BIGINT REFERENCES users(id),
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    contact TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX market_inquiries_achievement ON market_inquiries(achievement_id);
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
