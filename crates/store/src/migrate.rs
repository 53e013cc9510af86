//! Schema migrations, run at start-up. Each is portable SQL with two backend-specific words:
//! `{ID}` (an auto-increment primary key) and `{PATH}` (text compared byte-wise, so a subtree
//! is a range of materialised paths on both backends).
use crate::db::{Db, Result, now_ms};
use sea_orm::DbBackend;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        r#"
CREATE TABLE org_units (
    id {ID},
    parent_id BIGINT REFERENCES org_units(id),
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    level TEXT NOT NULL,
    path {PATH} NOT NULL,
    sort BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX org_units_path ON org_units(path);
CREATE TABLE organisations (
    id {ID},
    credit_code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    unit_path {PATH} NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT organisations_credit_code_key UNIQUE (credit_code)
);
CREATE INDEX organisations_unit_path ON organisations(unit_path, id);
CREATE INDEX organisations_name ON organisations(name);
CREATE TABLE users (
    id {ID},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    org_unit_id BIGINT REFERENCES org_units(id),
    organisation_id BIGINT REFERENCES organisations(id),
    active BIGINT NOT NULL DEFAULT 1,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_organisation ON users(organisation_id);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE api_tokens (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE form_tokens (
    token TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    used_at BIGINT NOT NULL
);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    request_id TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log(actor);
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
"#,
    ),
    (
        2,
        "organisation counts per area",
        r#"
CREATE TABLE org_unit_counts (
    unit_path {PATH} PRIMARY KEY,
    n BIGINT NOT NULL
);
INSERT INTO org_unit_counts (unit_path, n) SELECT unit_path, COUNT(*) FROM organisations GROUP BY unit_path;
"#,
    ),
    (
        3,
        "statistics: definitions, returns, values, approvals",
        r#"
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
"#,
    ),
    (
        4,
        "indicator values",
        r#"
CREATE TABLE indicator_values (
    indicator TEXT NOT NULL,
    org_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    period TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (indicator, org_unit_id, period)
)
"#,
    ),
    (
        5,
        "framework settings",
        r#"
CREATE TABLE framework_settings (
    code TEXT PRIMARY KEY,
    public BIGINT NOT NULL DEFAULT 0,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE framework_definitions (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at BIGINT NOT NULL
)
"#,
    ),
    (
        6,
        "experts, review rounds, research credit",
        r#"
CREATE TABLE experts (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    organisation_name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    title TEXT NOT NULL,
    fields TEXT NOT NULL,
    keywords TEXT NOT NULL,
    publications TEXT NOT NULL,
    projects TEXT NOT NULL,
    region TEXT NOT NULL,
    contact TEXT NOT NULL,
    groups TEXT NOT NULL,
    available_from TEXT NOT NULL,
    available_to TEXT NOT NULL,
    library TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    confirmed_year BIGINT NOT NULL,
    yearly_cap BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX experts_user ON experts(user_id);
CREATE TABLE expert_ties (
    id {ID},
    expert_id BIGINT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    year BIGINT
);
CREATE INDEX expert_ties_expert ON expert_ties(expert_id);
CREATE TABLE credit_records (
    id {ID},
    subject_kind TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    nature TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    source TEXT NOT NULL,
    record_date TEXT NOT NULL,
    sanction TEXT NOT NULL,
    points BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX credit_records_subject ON credit_records(subject_key);
CREATE TABLE review_rounds (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    call_name TEXT NOT NULL,
    library TEXT NOT NULL,
    mode TEXT NOT NULL,
    demand BIGINT NOT NULL,
    max_load BIGINT NOT NULL,
    rules TEXT NOT NULL,
    form TEXT NOT NULL,
    deadline TEXT NOT NULL,
    year BIGINT NOT NULL,
    status TEXT NOT NULL,
    seed_hash TEXT NOT NULL,
    seed TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT NOT NULL
);
CREATE TABLE review_items (
    id {ID},
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    discipline TEXT NOT NULL,
    applicant TEXT NOT NULL,
    members TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    org_name TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    avoid TEXT NOT NULL,
    CONSTRAINT review_items_code_key UNIQUE (round_id, code)
);
CREATE TABLE review_conflicts (
    round_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES review_items(id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (item_id, expert_id, kind, detail)
);
CREATE INDEX review_conflicts_round ON review_conflicts(round_id);
CREATE TABLE review_bids (
    item_id BIGINT NOT NULL REFERENCES review_items(id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    bid TEXT NOT NULL,
    PRIMARY KEY (item_id, expert_id)
);
CREATE TABLE review_assignments (
    id {ID},
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    item_id BIGINT NOT NULL REFERENCES review_items(id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    affinity DOUBLE PRECISION NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    scores TEXT NOT NULL,
    total DOUBLE PRECISION,
    recommendation TEXT NOT NULL,
    comment TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    saved_at BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    reminded_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    CONSTRAINT review_assignments_pair_key UNIQUE (item_id, expert_id)
);
CREATE INDEX review_assignments_round ON review_assignments(round_id);
CREATE INDEX review_assignments_expert ON review_assignments(expert_id);
CREATE TABLE review_draw_log (
    id {ID},
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    item_id BIGINT NOT NULL,
    expert_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    draw_key TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
)
"#,
    ),
    (
        7,
        "programmes, calls, applications",
        r#"
CREATE TABLE programmes (
    id {ID},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE programme_budgets (
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    year BIGINT NOT NULL,
    budget_fen BIGINT NOT NULL,
    committed_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (programme_id, year)
);
CREATE TABLE organisation_qualifications (
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    code TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    PRIMARY KEY (organisation_id, code)
);
CREATE TABLE calls (
    id {ID},
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    year BIGINT NOT NULL,
    guidelines TEXT NOT NULL,
    topics TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    budget_rules TEXT NOT NULL,
    applicant_deadline TEXT NOT NULL,
    organisation_deadline TEXT NOT NULL,
    zone_deadline TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE applications (
    id {ID},
    call_id BIGINT NOT NULL REFERENCES calls(id),
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    summary TEXT NOT NULL,
    leader_user_id BIGINT NOT NULL REFERENCES users(id),
    leader_name TEXT NOT NULL,
    leader_key TEXT NOT NULL,
    members TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    unit_path {PATH} NOT NULL,
    budget TEXT NOT NULL,
    requested_fen BIGINT NOT NULL,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    duplicate_of TEXT NOT NULL,
    granted_fen BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX applications_call ON applications(call_id, stage);
CREATE INDEX applications_org ON applications(organisation_id);
CREATE INDEX applications_unit ON applications(unit_path);
CREATE INDEX applications_leader ON applications(leader_user_id);
CREATE TABLE application_events (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    action TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX application_events_app ON application_events(application_id)
"#,
    ),
    (
        8,
        "task books, conditions, instalments",
        r#"
CREATE TABLE task_books (
    application_id BIGINT PRIMARY KEY REFERENCES applications(id),
    goals TEXT NOT NULL,
    deliverables TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    post_subsidy BIGINT NOT NULL,
    signed_by TEXT NOT NULL,
    signed_at BIGINT NOT NULL
);
CREATE TABLE project_conditions (
    application_id BIGINT NOT NULL REFERENCES applications(id),
    condition TEXT NOT NULL,
    opinion TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (application_id, condition)
);
CREATE TABLE instalments (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    seq BIGINT NOT NULL,
    condition TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    prepared_by TEXT NOT NULL,
    prepared_at BIGINT NOT NULL,
    released_by TEXT NOT NULL,
    released_at BIGINT NOT NULL,
    CONSTRAINT instalments_seq_key UNIQUE (application_id, seq)
)
"#,
    ),
    (
        9,
        "attachments",
        r#"
CREATE TABLE attachments (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX attachments_app ON attachments(application_id)
"#,
    ),
    (
        10,
        "application counts per call and stage",
        r#"
CREATE TABLE application_counts (
    call_id BIGINT NOT NULL,
    stage TEXT NOT NULL,
    n BIGINT NOT NULL,
    requested_fen BIGINT NOT NULL,
    granted_fen BIGINT NOT NULL,
    PRIMARY KEY (call_id, stage)
);
INSERT INTO application_counts (call_id, stage, n, requested_fen, granted_fen) SELECT call_id, stage, COUNT(*), CAST(COALESCE(SUM(requested_fen), 0) AS BIGINT), CAST(COALESCE(SUM(granted_fen), 0) AS BIGINT) FROM applications GROUP BY call_id, stage
"#,
    ),
    (
        11,
        "review rounds of calls",
        r#"
CREATE TABLE call_rounds (
    call_id BIGINT NOT NULL REFERENCES calls(id),
    round_id BIGINT NOT NULL REFERENCES review_rounds(id),
    PRIMARY KEY (call_id, round_id)
)
"#,
    ),
    (
        12,
        "public notices, objections, carrying out and closing projects",
        r#"
CREATE TABLE call_notices (
    call_id BIGINT PRIMARY KEY REFERENCES calls(id),
    meeting_on TEXT NOT NULL,
    minutes TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL
);
CREATE TABLE notice_objections (
    id {ID},
    call_id BIGINT NOT NULL REFERENCES calls(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notice_objections_app ON notice_objections(application_id);
ALTER TABLE task_books ADD COLUMN budget TEXT NOT NULL DEFAULT '[]';
ALTER TABLE task_books ADD COLUMN status TEXT NOT NULL DEFAULT 'ongoing';
ALTER TABLE task_books ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE task_books ADD COLUMN extended BIGINT NOT NULL DEFAULT 0;
ALTER TABLE task_books ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE instalments ADD COLUMN cancelled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE applications ADD COLUMN department_opinion TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN suggested_fen BIGINT NOT NULL DEFAULT 0;
CREATE TABLE project_reports (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    seq BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    body TEXT NOT NULL,
    deliverables TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    reminded_at BIGINT NOT NULL,
    CONSTRAINT project_reports_key UNIQUE (application_id, kind, seq)
);
CREATE TABLE project_opinions (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    stage TEXT NOT NULL,
    expert TEXT NOT NULL,
    score BIGINT NOT NULL,
    conclusion TEXT NOT NULL,
    body TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX project_opinions_app ON project_opinions(application_id);
CREATE TABLE project_changes (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    decision TEXT NOT NULL
);
CREATE INDEX project_changes_app ON project_changes(application_id);
CREATE TABLE project_findings (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    findings TEXT NOT NULL,
    rectify_by TEXT NOT NULL,
    rectification TEXT NOT NULL,
    rectified_at BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX project_findings_app ON project_findings(application_id);
CREATE TABLE project_outputs (
    id {ID},
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    reference TEXT NOT NULL,
    on_date TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
CREATE INDEX project_outputs_app ON project_outputs(application_id);
CREATE TABLE project_outcomes (
    application_id BIGINT PRIMARY KEY REFERENCES applications(id),
    outcome TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    grade TEXT NOT NULL,
    opinion TEXT NOT NULL,
    credit_records TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at BIGINT NOT NULL
)
"#,
    ),
    (
        13,
        "calls' own application forms, review plans, guideline files, task-book milestones",
        r#"
ALTER TABLE calls ADD COLUMN form TEXT NOT NULL DEFAULT '[]';
ALTER TABLE calls ADD COLUMN review_plan TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE task_books ADD COLUMN milestones TEXT NOT NULL DEFAULT '[]';
CREATE TABLE call_files (
    id {ID},
    call_id BIGINT NOT NULL REFERENCES calls(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX call_files_call ON call_files(call_id)
"#,
    ),
    (
        14,
        "sign-in throttle per name and per address; API tokens with expiry, last use and scope",
        r#"
CREATE TABLE login_throttle (
    bucket TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle(last_at);
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN read_only BIGINT NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = {NOW_MS} + 7776000000;
CREATE INDEX api_tokens_user ON api_tokens(user_id)
"#,
    ),
];

fn render(backend: DbBackend, sql: &str) -> String {
    // {CLUSTERED}: on SQLite the table is stored in its primary key's order, so a return's
    // values lie together (PostgreSQL keeps its heap and the key's index).
    let (id, path, clustered) = match backend {
        DbBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TEXT COLLATE \"C\"", ""),
        _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", " WITHOUT ROWID"),
    };
    // {NOW_MS}: the time the migration runs, for values that start from it.
    sql.replace("{ID}", id)
        .replace("{PATH}", path)
        .replace("{CLUSTERED}", clustered)
        .replace("{NOW_MS}", &now_ms().to_string())
}

/// Applies every migration not yet applied, each in its own transaction. On PostgreSQL an
/// advisory lock makes concurrent start-ups of several servers wait for one another.
pub async fn run(db: &Db) -> Result<Vec<i64>> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    db.conn
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        let txn = db.conn.begin().await?;
        if db.is_postgres() {
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7261001)").await?;
        }
        let done = txn
            .query_one_raw(db.stmt(
                "SELECT version FROM schema_migrations WHERE version = ?",
                vec![(*version).into()],
            ))
            .await?;
        if done.is_some() {
            txn.rollback().await?;
            continue;
        }
        for part in render(db.backend, sql).split(';').map(str::trim).filter(|s| !s.is_empty()) {
            txn.execute_unprepared(part).await?;
        }
        txn.execute_raw(db.stmt(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            vec![(*version).into(), (*name).into(), now_ms().into()],
        ))
        .await?;
        txn.commit().await?;
        applied.push(*version);
    }
    Ok(applied)
}
