//! The annual tasks a backup holds: tasks (parents before their parts), progress, evidence,
//! reminders.
use super::tables::{Col, Table};

pub(super) const SUPERVISION: &[Table] = &[
    (
        "supervision_tasks",
        "id",
        &[
            ("id", Col::Int),
            ("year", Col::Int),
            ("parent_id", Col::NullInt),
            ("title", Col::Text),
            ("lead_unit_id", Col::Int),
            ("partners", Col::Text),
            ("start_date", Col::Text),
            ("deadline", Col::Text),
            ("target", Col::NullReal),
            ("measure", Col::Text),
            ("created_by", Col::Text),
            ("created_at", Col::Int),
            ("version", Col::Int),
        ],
    ),
    (
        "supervision_progress",
        "id",
        &[
            ("id", Col::Int),
            ("task_id", Col::Int),
            ("month", Col::Text),
            ("percent", Col::Int),
            ("achieved", Col::NullReal),
            ("note", Col::Text),
            ("reported_by", Col::Text),
            ("reported_at", Col::Int),
        ],
    ),
    (
        "supervision_evidence",
        "id",
        &[
            ("id", Col::Int),
            ("progress_id", Col::Int),
            ("name", Col::Text),
            ("content_type", Col::Text),
            ("size", Col::Int),
            ("sha256", Col::Text),
            ("uploaded_by", Col::Text),
            ("uploaded_at", Col::Int),
        ],
    ),
    (
        "supervision_reminders",
        "id",
        &[
            ("id", Col::Int),
            ("task_id", Col::Int),
            ("standing", Col::Text),
            ("sent_by", Col::Text),
            ("sent_at", Col::Int),
        ],
    ),
];
