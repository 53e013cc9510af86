//! The innovation subjects' tables a backup holds (after the organisations they point at).
use super::tables::{Col, Table};

pub(super) const SUBJECTS: &[Table] = &[(
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
)];
