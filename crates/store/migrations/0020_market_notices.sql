CREATE TABLE market_notices (
    id {ID},
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    subject_title TEXT NOT NULL,
    about_id BIGINT NOT NULL,
    about_title TEXT NOT NULL,
    shared TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT market_notices_once UNIQUE (organisation_id, kind, subject_id, about_id)
);
CREATE INDEX market_notices_org ON market_notices(organisation_id, read_at)
