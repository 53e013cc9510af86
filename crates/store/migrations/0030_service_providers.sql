CREATE TABLE provider_profiles (
    organisation_id BIGINT PRIMARY KEY REFERENCES organisations(id),
    summary TEXT NOT NULL,
    kinds TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    submitted_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX provider_profiles_status ON provider_profiles(status);
CREATE TABLE provider_accreditations (
    id {ID},
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    scope TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT provider_accreditations_key UNIQUE (organisation_id, kind, number)
);
CREATE TABLE provider_services (
    id {ID},
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    price_fen BIGINT,
    unit TEXT NOT NULL,
    price_rule TEXT NOT NULL,
    turnaround_days BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT provider_services_price CHECK (price_fen IS NULL OR price_fen >= 0)
);
CREATE INDEX provider_services_organisation ON provider_services(organisation_id, active);
CREATE TABLE service_orders (
    id {ID},
    service_id BIGINT NOT NULL REFERENCES provider_services(id),
    provider_id BIGINT NOT NULL REFERENCES organisations(id),
    customer_id BIGINT NOT NULL REFERENCES organisations(id),
    customer_user_id BIGINT NOT NULL REFERENCES users(id),
    samples TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    requirements TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    quote_fen BIGINT,
    fee_fen BIGINT,
    report_name TEXT,
    report_type TEXT,
    report_size BIGINT,
    report_sha256 TEXT,
    requested_at BIGINT NOT NULL,
    answered_at BIGINT,
    accepted_at BIGINT,
    received_at BIGINT,
    reported_at BIGINT,
    completed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT service_orders_fees CHECK ((quote_fen IS NULL OR quote_fen >= 0) AND (fee_fen IS NULL OR fee_fen >= 0))
);
CREATE INDEX service_orders_provider ON service_orders(provider_id, status);
CREATE INDEX service_orders_customer ON service_orders(customer_id, status);
CREATE TABLE service_ratings (
    id {ID},
    provider_id BIGINT NOT NULL REFERENCES organisations(id),
    customer_id BIGINT NOT NULL REFERENCES organisations(id),
    order_id BIGINT REFERENCES service_orders(id),
    booking_id BIGINT REFERENCES bookings(id),
    score BIGINT NOT NULL,
    comment TEXT NOT NULL,
    rated_by TEXT NOT NULL,
    rated_at BIGINT NOT NULL,
    CONSTRAINT service_ratings_order UNIQUE (order_id),
    CONSTRAINT service_ratings_booking UNIQUE (booking_id),
    CONSTRAINT service_ratings_score CHECK (score BETWEEN 1 AND 5),
    CONSTRAINT service_ratings_subject CHECK ((order_id IS NULL) <> (booking_id IS NULL))
);
CREATE INDEX service_ratings_provider ON service_ratings(provider_id);
ALTER TABLE voucher_redemptions ADD COLUMN order_id BIGINT REFERENCES service_orders(id);
CREATE INDEX voucher_redemptions_order ON voucher_redemptions(order_id);
