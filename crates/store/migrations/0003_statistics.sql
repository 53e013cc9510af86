CREATE TABLE stat_definitions (
    id {ID},
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);
CREATE TABLE stat_windows (
    form TEXT NOT NULL,
    period TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    set_by TEXT NOT NULL,
    PRIMARY KEY (form, period)
);
CREATE TABLE stat_returns (
    id {ID},
    form TEXT NOT NULL,
    period TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    unit_path {PATH} NOT NULL,
    status TEXT NOT NULL,
    explanations TEXT NOT NULL DEFAULT '{}',
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL DEFAULT 0,
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT stat_returns_key UNIQUE (form, period, organisation_id)
);
CREATE INDEX stat_returns_area ON stat_returns(form, period, unit_path);
CREATE INDEX stat_returns_org ON stat_returns(organisation_id, form, period);
CREATE TABLE stat_values (
    return_id BIGINT NOT NULL REFERENCES stat_returns(id),
    element TEXT NOT NULL,
    disagg TEXT NOT NULL,
    row_no BIGINT NOT NULL,
    num DOUBLE PRECISION,
    txt TEXT,
    PRIMARY KEY (return_id, element, disagg, row_no)
){CLUSTERED};
CREATE TABLE stat_value_changes (
    id {ID},
    return_id BIGINT NOT NULL REFERENCES stat_returns(id),
    element TEXT NOT NULL,
    disagg TEXT NOT NULL,
    row_no BIGINT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    source TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
CREATE INDEX stat_value_changes_return ON stat_value_changes(return_id, id);
CREATE TABLE stat_uploads (
    return_id BIGINT NOT NULL REFERENCES stat_returns(id),
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    CONSTRAINT stat_uploads_key PRIMARY KEY (return_id, sha256)
);
CREATE TABLE stat_approvals (
    form TEXT NOT NULL,
    period TEXT NOT NULL,
    org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    approved_by TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (form, period, org_unit_id)
);
CREATE TABLE stat_reminders (
    id {ID},
    form TEXT NOT NULL,
    period TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    message TEXT NOT NULL,
    sent_by TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX stat_reminders_org ON stat_reminders(organisation_id, sent_at)
