CREATE TABLE call_rounds (
    call_id BIGINT NOT NULL REFERENCES calls(id),
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    PRIMARY KEY (call_id, round_id)
)
