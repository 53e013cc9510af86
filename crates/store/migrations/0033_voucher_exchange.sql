-- 通用通兑: partner regions' voucher programmes, their vouchers (from the partner's roster),
-- redemptions of them here, and the monthly statements exchanged between the programmes
-- (claims: partner vouchers used here, owed: our vouchers used there) line by line.
CREATE TABLE voucher_partners (
    id {ID},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES voucher_programmes(id),
    exchange_key TEXT NOT NULL,
    copay_percent BIGINT NOT NULL DEFAULT 100,
    services TEXT NOT NULL DEFAULT '',
    roster_on TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT voucher_partners_code UNIQUE (code)
);
CREATE TABLE partner_vouchers (
    id {ID},
    partner_id BIGINT NOT NULL REFERENCES voucher_partners(id),
    number TEXT NOT NULL,
    holder TEXT NOT NULL,
    holder_code TEXT NOT NULL,
    value_fen BIGINT NOT NULL,
    balance_fen BIGINT NOT NULL,
    valid_to TEXT NOT NULL,
    code_mac TEXT NOT NULL,
    CONSTRAINT partner_vouchers_number UNIQUE (number),
    CONSTRAINT partner_vouchers_balance CHECK (balance_fen >= 0 AND balance_fen <= value_fen)
);
CREATE INDEX partner_vouchers_partner ON partner_vouchers(partner_id);
CREATE TABLE exchange_statements (
    id {ID},
    partner_id BIGINT NOT NULL REFERENCES voucher_partners(id),
    direction TEXT NOT NULL,
    month TEXT NOT NULL,
    signature TEXT NOT NULL,
    lines BIGINT NOT NULL,
    total_fen BIGINT NOT NULL,
    accepted_fen BIGINT NOT NULL DEFAULT 0,
    replied_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT exchange_statements_month UNIQUE (partner_id, direction, month)
);
CREATE TABLE partner_redemptions (
    id {ID},
    partner_voucher_id BIGINT NOT NULL REFERENCES partner_vouchers(id),
    provider_id BIGINT NOT NULL REFERENCES organisations(id),
    service TEXT NOT NULL,
    order_total_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    used_on TEXT NOT NULL,
    status TEXT NOT NULL,
    statement_id BIGINT REFERENCES exchange_statements(id),
    request_key TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    verified_by TEXT,
    verified_at BIGINT,
    CONSTRAINT partner_redemptions_key UNIQUE (request_key),
    CONSTRAINT partner_redemptions_amount CHECK (amount_fen > 0 AND amount_fen <= order_total_fen)
);
CREATE INDEX partner_redemptions_voucher ON partner_redemptions(partner_voucher_id);
CREATE INDEX partner_redemptions_status ON partner_redemptions(status, provider_id);
CREATE TABLE partner_code_tries (
    id {ID},
    partner_voucher_id BIGINT NOT NULL REFERENCES partner_vouchers(id),
    provider_id BIGINT NOT NULL REFERENCES organisations(id),
    tries BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    CONSTRAINT partner_code_tries_key UNIQUE (partner_voucher_id, provider_id)
);
CREATE TABLE exchange_lines (
    id {ID},
    statement_id BIGINT NOT NULL REFERENCES exchange_statements(id),
    line_no BIGINT NOT NULL,
    voucher_number TEXT NOT NULL,
    request_key TEXT NOT NULL,
    provider TEXT NOT NULL,
    provider_code TEXT NOT NULL,
    service TEXT NOT NULL,
    used_on TEXT NOT NULL,
    order_total_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    voucher_id BIGINT REFERENCES vouchers(id),
    partner_redemption_id BIGINT REFERENCES partner_redemptions(id),
    CONSTRAINT exchange_lines_line UNIQUE (statement_id, line_no)
);
CREATE INDEX exchange_lines_key ON exchange_lines(request_key);
CREATE INDEX exchange_lines_voucher ON exchange_lines(voucher_id);
