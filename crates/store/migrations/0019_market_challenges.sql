CREATE TABLE market_challenges (
    id {ID},
    demand_id BIGINT NOT NULL REFERENCES market_demands(id),
    code TEXT NOT NULL,
    reward_fen BIGINT NOT NULL,
    apply_by TEXT NOT NULL,
    terms TEXT NOT NULL,
    status TEXT NOT NULL,
    round_id BIGINT REFERENCES review_rounds(id),
    winner_id BIGINT,
    winner_reason TEXT NOT NULL,
    closed_reason TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    awarded_on TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT market_challenges_demand_key UNIQUE (demand_id),
    CONSTRAINT market_challenges_code_key UNIQUE (code)
);
CREATE TABLE market_challenge_applications (
    id {ID},
    challenge_id BIGINT NOT NULL REFERENCES market_challenges(id),
    code TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    leader TEXT NOT NULL,
    members TEXT NOT NULL,
    proposal TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    CONSTRAINT market_challenge_applications_once UNIQUE (challenge_id, organisation_id),
    CONSTRAINT market_challenge_applications_code_key UNIQUE (code)
);
CREATE TABLE market_challenge_milestones (
    id {ID},
    challenge_id BIGINT NOT NULL REFERENCES market_challenges(id),
    seq BIGINT NOT NULL,
    due TEXT NOT NULL,
    title TEXT NOT NULL,
    pay_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    report TEXT NOT NULL,
    reason TEXT NOT NULL,
    reported_on TEXT NOT NULL,
    accepted_on TEXT NOT NULL,
    CONSTRAINT market_challenge_milestones_seq_key UNIQUE (challenge_id, seq)
)
