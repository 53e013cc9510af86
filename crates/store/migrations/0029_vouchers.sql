CREATE TABLE voucher_programmes (
    id {ID},
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    year BIGINT NOT NULL,
    unit_path {PATH} NOT NULL,
    budget_fen BIGINT NOT NULL,
    per_application_fen BIGINT NOT NULL,
    per_enterprise_fen BIGINT NOT NULL,
    copay_percent BIGINT NOT NULL,
    services TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    issued_fen BIGINT NOT NULL DEFAULT 0,
    returned_fen BIGINT NOT NULL DEFAULT 0,
    next_number BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT voucher_programmes_code UNIQUE (code),
    CONSTRAINT voucher_programmes_within_budget CHECK (issued_fen - returned_fen <= budget_fen)
);
CREATE TABLE voucher_applications (
    id {ID},
    programme_id BIGINT NOT NULL REFERENCES voucher_programmes(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    requested_fen BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    status TEXT NOT NULL,
    granted_fen BIGINT NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT
);
CREATE INDEX voucher_applications_programme ON voucher_applications(programme_id, status);
CREATE INDEX voucher_applications_organisation ON voucher_applications(organisation_id);
CREATE TABLE vouchers (
    id {ID},
    number TEXT NOT NULL,
    code TEXT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES voucher_programmes(id),
    application_id BIGINT NOT NULL REFERENCES voucher_applications(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    value_fen BIGINT NOT NULL,
    balance_fen BIGINT NOT NULL,
    expired_fen BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_on TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT vouchers_number UNIQUE (number),
    CONSTRAINT vouchers_balance CHECK (balance_fen >= 0 AND balance_fen <= value_fen)
);
CREATE INDEX vouchers_organisation ON vouchers(organisation_id);
CREATE INDEX vouchers_programme ON vouchers(programme_id, status);
CREATE TABLE voucher_settlements (
    id {ID},
    programme_id BIGINT NOT NULL REFERENCES voucher_programmes(id),
    month TEXT NOT NULL,
    total_fen BIGINT NOT NULL,
    redemptions BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT voucher_settlements_month UNIQUE (programme_id, month)
);
CREATE TABLE voucher_redemptions (
    id {ID},
    voucher_id BIGINT NOT NULL REFERENCES vouchers(id),
    provider_id BIGINT NOT NULL REFERENCES organisations(id),
    booking_id BIGINT REFERENCES bookings(id),
    service TEXT NOT NULL,
    order_total_fen BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL,
    settlement_id BIGINT REFERENCES voucher_settlements(id),
    request_key TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    verified_by TEXT,
    verified_at BIGINT,
    CONSTRAINT voucher_redemptions_key UNIQUE (request_key),
    CONSTRAINT voucher_redemptions_amount CHECK (amount_fen > 0 AND amount_fen <= order_total_fen)
);
CREATE INDEX voucher_redemptions_voucher ON voucher_redemptions(voucher_id);
CREATE INDEX voucher_redemptions_status ON voucher_redemptions(status, provider_id);
CREATE INDEX voucher_redemptions_booking ON voucher_redemptions(booking_id);
CREATE TABLE organisation_people (
    id {ID},
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    masked_id TEXT NOT NULL,
    standing TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT organisation_people_key UNIQUE (organisation_id, fingerprint, standing)
);
CREATE INDEX organisation_people_fingerprint ON organisation_people(fingerprint);
ALTER TABLE bookings ADD COLUMN voucher_id BIGINT REFERENCES vouchers(id);
