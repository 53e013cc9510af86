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
INSERT INTO qualification_kinds (code, name_zh, name_en, validity_years, created_by, created_at) VALUES
    ('tech_sme', '科技型中小企业', 'Tech-based SME', 1, 'system', 0),
    ('high_tech', '高新技术企业', 'High-tech enterprise', 3, 'system', 0),
    ('specialised', '专精特新中小企业', 'Specialised and innovative SME', 3, 'system', 0),
    ('little_giant', '专精特新“小巨人”企业', 'Little giant', 3, 'system', 0),
    ('gazelle', '瞪羚企业', 'Gazelle enterprise', 1, 'system', 0);
