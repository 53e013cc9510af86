//! Research credit records: the list and adding one.
use super::{CreditRow, Notice, credit_row, notice_text};
use crate::app::AppState;
use crate::auth::{Auth, ManageCredit, field_error, parse_form};
use crate::error::AppResult;
use crate::i18n::{t, tf};
use crate::page::{Shell, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use innocity_core::credit::{self, Record};
use innocity_store::credit as credit_store;

#[derive(Template)]
#[template(path = "credit.html")]
struct CreditPage {
    s: Shell,
    notice: String,
    rows: Vec<CreditListRow>,
    key: String,
    answer: String,
}

/// A credit record with whom it concerns and how severe it is.
struct CreditListRow {
    subject: String,
    severity: String,
    record: CreditRow,
}

#[derive(serde::Deserialize, Default)]
pub struct CreditQuery {
    #[serde(default)]
    key: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    n: String,
}

pub async fn credit_page(
    State(state): State<AppState>,
    a: Auth<ManageCredit>,
    Query(q): Query<CreditQuery>,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let lang = ctx.lang;
    let rows = credit_store::list(&state.db)
        .await?
        .iter()
        .map(|e| CreditListRow {
            subject: format!("{}（{}）", e.subject.name, e.subject.key),
            severity: t(
                lang,
                &format!("credit.severity.{}", credit_store::severity_code(e.record.severity)),
            )
            .to_string(),
            record: credit_row(lang, &e.record),
        })
        .collect();
    let answer = if q.key.trim().is_empty() {
        String::new()
    } else {
        let records = credit_store::records_of(&state.db, q.key.trim()).await?;
        let g = credit::grade(&records, ctx.today());
        match credit::eligibility(&records, ctx.today()).deciding {
            None => tf(
                lang,
                "credit.answer_yes",
                &[q.key.trim().into(), format!("{} ({})", g.letters, g.score)],
            ),
            Some(r) => {
                let until = r
                    .ban_until()
                    .map(|d| d.format("%Y年%m月%d日").to_string())
                    .unwrap_or_else(|| t(lang, "credit.permanent").into());
                tf(lang, "credit.answer_no", &[q.key.trim().into(), r.kind, r.source, until])
            }
        }
    };
    Ok(render(&CreditPage {
        s: ctx.shell(),
        notice: notice_text(lang, &Notice { notice: q.notice, n: q.n }),
        rows,
        key: q.key,
        answer,
    }))
}

#[derive(serde::Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    subject_kind: String,
    #[serde(default)]
    subject_key: String,
    #[serde(default)]
    subject_name: String,
    #[serde(default)]
    nature: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    sanction: String,
    #[serde(default)]
    points: String,
}

pub async fn credit_add(
    State(state): State<AppState>,
    a: Auth<ManageCredit>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let ctx = &a.ctx;
    let f: CreditForm = parse_form(ctx, &body)?;
    for (field, v) in [
        ("subject_key", &f.subject_key),
        ("subject_name", &f.subject_name),
        ("kind", &f.kind),
        ("source", &f.source),
    ] {
        if v.trim().is_empty() {
            return Err(field_error(ctx, field, "err.required", vec![]));
        }
        if v.chars().count() > 200 {
            return Err(field_error(ctx, field, "err.too_long", vec!["200".into()]));
        }
    }
    if !matches!(f.subject_kind.as_str(), "person" | "organisation") {
        return Err(field_error(ctx, "subject_kind", "err.choose", vec![]));
    }
    let nature = credit_store::parse_nature(&f.nature)
        .ok_or_else(|| field_error(ctx, "nature", "err.choose", vec![]))?;
    let severity = credit_store::parse_severity(&f.severity)
        .ok_or_else(|| field_error(ctx, "severity", "err.choose", vec![]))?;
    let date = NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d")
        .map_err(|_| field_error(ctx, "date", "experts.err.date", vec![]))?;
    let sanction = credit_store::parse_sanction(&f.sanction)
        .ok_or_else(|| field_error(ctx, "sanction", "err.choose", vec![]))?;
    let points = if f.points.trim().is_empty() {
        0
    } else {
        f.points
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|p| (0..=20).contains(p))
            .ok_or_else(|| field_error(ctx, "points", "credit.err.points", vec![]))?
    };
    let record = Record {
        id: 0,
        nature,
        kind: f.kind.trim().into(),
        severity,
        source: f.source.trim().into(),
        date,
        sanction,
        points,
    };
    if let Err(e) = record.check() {
        let key = match e.field {
            "sanction" => "credit.err.sanction",
            "source" => "credit.err.source",
            _ => "credit.err.points_bad",
        };
        return Err(field_error(ctx, e.field, key, vec![]));
    }
    let subject = credit_store::Subject {
        kind: f.subject_kind,
        key: f.subject_key.trim().into(),
        name: f.subject_name.trim().into(),
    };
    let (_, suspended) =
        credit_store::add(&state.db, &subject, &record, ctx.today(), ctx.actor()).await?;
    Ok(Redirect::to(&format!("/credit?notice=credit.added&n={}", suspended.len())).into_response())
}
