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
];
