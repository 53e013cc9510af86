CREATE TABLE instruments (
    id {ID},
    owner_id BIGINT NOT NULL REFERENCES organisations(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    maker TEXT NOT NULL DEFAULT '',
    value_fen BIGINT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    parameters TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    opens TEXT NOT NULL,
    closes TEXT NOT NULL,
    open_days TEXT NOT NULL,
    price_own_fen BIGINT NOT NULL,
    price_academic_fen BIGINT NOT NULL,
    price_enterprise_fen BIGINT NOT NULL,
    price_voucher_fen BIGINT NOT NULL,
    min_minutes BIGINT NOT NULL,
    max_minutes BIGINT NOT NULL,
    notice_hours BIGINT NOT NULL,
    buffer_minutes BIGINT NOT NULL,
    approval BIGINT NOT NULL,
    quota_day BIGINT,
    quota_week BIGINT,
    quota_month BIGINT,
    cancel_hours BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT instruments_code UNIQUE (owner_id, code)
);
CREATE INDEX instruments_category ON instruments(category, id);
CREATE TABLE instrument_blackouts (
    id {ID},
    instrument_id BIGINT NOT NULL REFERENCES instruments(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX instrument_blackouts_time ON instrument_blackouts(instrument_id, starts_at);
CREATE TABLE bookings (
    id {ID},
    instrument_id BIGINT NOT NULL REFERENCES instruments(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    user_group TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    held_until BIGINT NOT NULL,
    holds BIGINT NOT NULL,
    status TEXT NOT NULL,
    purpose TEXT NOT NULL,
    samples TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    late_cancel BIGINT NOT NULL DEFAULT 0,
    actual_start BIGINT,
    actual_end BIGINT,
    operator TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '',
    fee_fen BIGINT,
    created_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    closed_by TEXT,
    closed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX bookings_instrument_time ON bookings(instrument_id, starts_at);
CREATE INDEX bookings_user ON bookings(user_id, starts_at);
CREATE INDEX bookings_instrument_user ON bookings(instrument_id, user_id, starts_at);
CREATE INDEX bookings_organisation ON bookings(organisation_id, starts_at);
--postgres: ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (int8range(instrument_id, instrument_id, '[]') WITH &&, int8range(starts_at, held_until) WITH &&) WHERE (holds = 1);
--sqlite: CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings WHEN NEW.holds = 1 BEGIN SELECT RAISE(ABORT, 'bookings_no_overlap') WHERE EXISTS (SELECT 1 FROM bookings b WHERE b.instrument_id = NEW.instrument_id AND b.holds = 1 AND b.starts_at < NEW.held_until AND NEW.starts_at < b.held_until){SEMI} END;
--sqlite: CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF starts_at, held_until, holds, instrument_id ON bookings WHEN NEW.holds = 1 BEGIN SELECT RAISE(ABORT, 'bookings_no_overlap') WHERE EXISTS (SELECT 1 FROM bookings b WHERE b.id <> NEW.id AND b.instrument_id = NEW.instrument_id AND b.holds = 1 AND b.starts_at < NEW.held_until AND NEW.starts_at < b.held_until){SEMI} END;
