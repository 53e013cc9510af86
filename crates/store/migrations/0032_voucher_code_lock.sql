CREATE TABLE voucher_code_tries (
    id {ID},
    voucher_id BIGINT NOT NULL REFERENCES vouchers(id),
    provider_id BIGINT NOT NULL REFERENCES organisations(id),
    tries BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    CONSTRAINT voucher_code_tries_key UNIQUE (voucher_id, provider_id)
);
