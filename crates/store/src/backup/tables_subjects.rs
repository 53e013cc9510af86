//! The innovation subjects' tables a backup holds (after the organisations they point at).
use super::tables::{Col, Table};

pub(super) const SUBJECTS: &[Table] = &[
    (
        "qualification_kinds",
        "code",
        &[
            ("code", Col::Text),
            ("name_zh", Col::Text),
            ("name_en", Col::Text),
            ("validity_years", Col::Int),
            ("created_by", Col::Text),
            ("created_at", Col::Int),
        ],
    ),
    (
        "subject_evaluations",
        "id",
        &[
            ("id", Col::Int),
            ("organisation_id", Col::Int),
            ("kind", Col::Text),
            ("accounting_year", Col::Int),
            ("inputs", Col::Text),
            ("verdict", Col::Text),
            ("outcome", Col::Text),
            ("score_min", Col::Text),
            ("score_max", Col::Text),
            ("evaluated_by", Col::Text),
            ("evaluated_at", Col::Int),
        ],
    ),
    (
        "pool_entries",
        "id",
        &[
            ("id", Col::Int),
            ("organisation_id", Col::Int),
            ("title", Col::Text),
            ("year", Col::Int),
            ("officer_id", Col::NullInt),
            ("status", Col::Text),
            ("note", Col::Text),
            ("added_by", Col::Text),
            ("added_at", Col::Int),
            ("decided_at", Col::Int),
            ("version", Col::Int),
        ],
    ),
    (
        "pool_visits",
        "id",
        &[
            ("id", Col::Int),
            ("entry_id", Col::Int),
            ("visited_on", Col::Text),
            ("officer", Col::Text),
            ("note", Col::Text),
            ("created_at", Col::Int),
        ],
    ),
];
