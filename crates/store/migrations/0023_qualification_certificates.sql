ALTER TABLE organisation_qualifications ADD COLUMN number TEXT NOT NULL DEFAULT '';
ALTER TABLE organisation_qualifications ADD COLUMN issued_on TEXT NOT NULL DEFAULT '';
ALTER TABLE organisation_qualifications ADD COLUMN entered_by TEXT NOT NULL DEFAULT '';
ALTER TABLE organisation_qualifications ADD COLUMN entered_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX organisation_qualifications_expiry ON organisation_qualifications(valid_until);
CREATE TABLE qualification_kinds (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    validity_years BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
