CREATE TABLE sharing_evaluations (
    id {ID},
    year BIGINT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES organisations(id),
    as_of TEXT NOT NULL,
    figures TEXT NOT NULL,
    parts TEXT NOT NULL,
    total_tenths BIGINT NOT NULL,
    grade TEXT NOT NULL,
    place BIGINT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',
    reward_fen BIGINT,
    note TEXT NOT NULL DEFAULT '',
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    CONSTRAINT sharing_evaluations_key UNIQUE (year, owner_id),
    CONSTRAINT sharing_evaluations_reward CHECK (reward_fen IS NULL OR reward_fen >= 0)
);
CREATE INDEX sharing_evaluations_owner ON sharing_evaluations(owner_id, year);
CREATE INDEX bookings_used ON bookings(status, actual_start);
