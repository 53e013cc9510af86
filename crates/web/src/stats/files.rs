//! Statistics files: the XLSX template of a return (filled with its values), reading it back,
//! long-format CSV uploads, and the completeness and totals workbooks.
use super::analysis::TotalRow;
use super::review::UnitRow;
use super::{ReturnCtx, file_errors};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, t};
use crate::sheet::{Limits, SheetError, Which};
use axum::http::StatusCode;
use innocity_core::stats::long::{self, Entry, Place, PlaceError, Raw};
use innocity_core::stats::values::Stored;
use innocity_core::stats::{DataElement, FormKind};
use innocity_store::orgs::OrgUnit;
use innocity_store::stats::{Cell, Expected};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// Column letters: 0 → A, 27 → AB.
pub fn column_letter(mut c: u32) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (c % 26) as u8) as char);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s
}

const META_ROW: u32 = 1;
const HEAD_ROW: u32 = 3;

/// The form's own template for one return, with the values stored so far.
pub fn template(rc: &ReturnCtx, cells: &[Cell], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_background_color("DCE6F1")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let locked = Format::new().set_font_color("808080");
    let ws = wb.add_worksheet();
    ws.set_name(&rc.form.code)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{} {}", rc.form.code, super::form_name(lang, &rc.form)),
        &bold,
    )?;
    for (i, (label, value)) in [
        (t(lang, "xlsx.form"), rc.form.code.clone()),
        (t(lang, "xlsx.period"), rc.period.to_string()),
        (t(lang, "xlsx.credit_code"), rc.org.credit_code.clone()),
        (t(lang, "xlsx.org"), rc.org.name.clone()),
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string_with_format(META_ROW, (i * 2) as u16, label, &bold)?;
        ws.write_string(META_ROW, (i * 2 + 1) as u16, value)?;
    }
    match rc.form.kind {
        FormKind::Grid => template_grid(ws, rc, cells, lang, (&head, &locked))?,
        FormKind::Roster => template_roster(ws, rc, cells, lang, (&head, &locked))?,
    }
    wb.save_to_buffer()
}

/// The stored value of a cell.
fn value_of(cells: &[Cell], e: &str, d: &str, r: i64) -> Option<Stored> {
    cells.iter().find(|c| c.element == e && c.disagg == d && c.row == r).map(|c| c.value.clone())
}

fn write_value(ws: &mut Worksheet, row: u32, col: u16, v: Option<Stored>) -> Result<(), XlsxError> {
    match v {
        Some(Stored::Num(n)) => {
            ws.write_number(row, col, n)?;
        }
        Some(Stored::Text(s)) => {
            ws.write_string(row, col, s)?;
        }
        None => {}
    }
    Ok(())
}

/// A grid form's template: a row for each cell, its value in column E.
fn template_grid(
    ws: &mut Worksheet,
    rc: &ReturnCtx,
    cells: &[Cell],
    lang: Lang,
    (head, locked): (&Format, &Format),
) -> Result<(), XlsxError> {
    for (c, h) in [
        t(lang, "xlsx.code"),
        t(lang, "xlsx.disagg"),
        t(lang, "xlsx.name"),
        t(lang, "xlsx.unit"),
        t(lang, "xlsx.value"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(HEAD_ROW, c as u16, *h, head)?;
    }
    for (i, (e, option)) in rc.form.cells(&rc.cat).into_iter().enumerate() {
        let row = HEAD_ROW + 1 + i as u32;
        let d = option.map(|o| o.code.clone()).unwrap_or_default();
        ws.write_string_with_format(row, 0, &e.code, locked)?;
        ws.write_string_with_format(row, 1, &d, locked)?;
        let name = match option {
            Some(o) => {
                format!("  {}{}", t(lang, "stats.of_which"), lang.pick(&o.name_zh, &o.name_en))
            }
            None => super::element_name(lang, e).to_string(),
        };
        ws.write_string(row, 2, name)?;
        ws.write_string(row, 3, &e.unit)?;
        write_value(ws, row, 4, value_of(cells, &e.code, &d, 0))?;
    }
    ws.set_column_width(0, 18)?;
    ws.set_column_width(2, 40)?;
    ws.set_column_width(4, 16)?;
    Ok(())
}

/// A roster form's template: a column for each element, its code in the row under the titles,
/// then a row for each stored row.
fn template_roster(
    ws: &mut Worksheet,
    rc: &ReturnCtx,
    cells: &[Cell],
    lang: Lang,
    (head, locked): (&Format, &Format),
) -> Result<(), XlsxError> {
    let elements: Vec<&DataElement> =
        rc.form.elements.iter().filter_map(|c| rc.cat.element(c)).collect();
    for (c, e) in elements.iter().enumerate() {
        let title = if e.unit.is_empty() {
            super::element_name(lang, e).to_string()
        } else {
            format!("{}（{}）", super::element_name(lang, e), e.unit)
        };
        ws.write_string_with_format(HEAD_ROW, c as u16, title, head)?;
        ws.write_string_with_format(HEAD_ROW + 1, c as u16, &e.code, locked)?;
        ws.set_column_width(c as u16, if e.code == "P_NAME" { 36 } else { 14 })?;
    }
    let mut rows: Vec<i64> = cells.iter().map(|c| c.row).filter(|r| *r > 0).collect();
    rows.sort();
    rows.dedup();
    for (i, r) in rows.iter().enumerate() {
        for (c, e) in elements.iter().enumerate() {
            write_value(ws, HEAD_ROW + 2 + i as u32, c as u16, value_of(cells, &e.code, "", *r))?;
        }
    }
    Ok(())
}

/// The place of a problem with the whole file (not a cell of it).
fn whole_file(sheet: &str, key: &'static str, args: Vec<String>) -> Vec<PlaceError> {
    vec![PlaceError {
        place: Place { sheet: sheet.into(), line: 0, column: String::new() },
        key,
        args,
    }]
}

/// A spreadsheet the reader refused, as the places and messages the user reads.
pub fn sheet_errors(e: SheetError) -> Vec<PlaceError> {
    match e {
        SheetError::NotXlsx => whole_file("", "err.file.not_xlsx", vec![]),
        SheetError::Broken(part) => whole_file("", "err.file.broken_part", vec![part]),
        SheetError::NoSheet { wanted, found } => {
            whole_file("", "err.file.no_sheet", vec![wanted, found.join("、")])
        }
        SheetError::TooBig { limit, max, at } => {
            whole_file("", limit.key(), vec![group_thousands(max), at])
        }
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Checks that the template's header names this form, period and organisation.
fn check_meta(
    rc: &ReturnCtx,
    sheet: &str,
    period: &str,
    book: &crate::sheet::Sheet,
) -> Result<(), Vec<PlaceError>> {
    for (col, expected, key) in [
        (1u32, rc.form.code.as_str(), "err.file.wrong_form"),
        (3, period, "err.file.wrong_period"),
        (5, rc.org.credit_code.as_str(), "err.file.other_org"),
    ] {
        let found = book.get(META_ROW, col).to_string();
        if found != expected {
            return Err(vec![PlaceError {
                place: Place {
                    sheet: sheet.into(),
                    line: META_ROW as usize + 1,
                    column: column_letter(col),
                },
                key,
                args: vec![found, expected.to_string()],
            }]);
        }
    }
    Ok(())
}

/// Reads a return's template back into raw values, checking that it is this form's template
/// for this period and organisation.
pub fn read_template(rc: &ReturnCtx, bytes: &[u8]) -> Result<Vec<Raw>, Vec<PlaceError>> {
    let sheet = rc.form.code.clone();
    let book =
        crate::sheet::read(bytes, Which::Named(&sheet), Limits::UPLOAD).map_err(sheet_errors)?;
    let get = |r: u32, c: u32| book.get(r, c).to_string();
    let period = rc.period.to_string();
    check_meta(rc, &sheet, &period, &book)?;
    let mut out = Vec::new();
    let raw = |line: u32,
               code_col: u32,
               value_col: u32,
               element: String,
               disagg: String,
               value: String,
               row: i64| Raw {
        place: Place {
            sheet: sheet.clone(),
            line: line as usize + 1,
            column: column_letter(code_col),
        },
        value_place: Place {
            sheet: sheet.clone(),
            line: line as usize + 1,
            column: column_letter(value_col),
        },
        element,
        disagg,
        period: period.clone(),
        org: rc.org.credit_code.clone(),
        value,
        row,
    };
    // Only rows that hold a value are visited: a sheet's size costs nothing beyond its cells.
    match rc.form.kind {
        FormKind::Grid => {
            for (r, _) in book.rows().filter(|(r, _)| *r > HEAD_ROW) {
                let code = get(r, 0);
                if code.is_empty() {
                    continue;
                }
                out.push(raw(r, 0, 4, code, get(r, 1), get(r, 4), 0));
            }
        }
        FormKind::Roster => {
            let codes: Vec<(u32, String)> = book
                .rows()
                .find(|(r, _)| *r == HEAD_ROW + 1)
                .map(|(_, cells)| cells.iter().map(|(c, v)| (*c, v.clone())).collect())
                .unwrap_or_default();
            let mut n = 0;
            for (r, cells) in book.rows().filter(|(r, _)| *r > HEAD_ROW + 1) {
                if cells.values().all(|v| v.is_empty()) {
                    continue;
                }
                n += 1;
                for (c, code) in &codes {
                    let v = get(r, *c);
                    if !v.is_empty() {
                        out.push(raw(r, *c, *c, code.clone(), String::new(), v, n));
                    }
                }
            }
        }
    }
    Ok(out)
}

pub fn source_of(name: &str) -> &'static str {
    if name.to_lowercase().ends_with(".csv") { "csv" } else { "xlsx" }
}

/// Why a file's values could not be taken.
enum FileProblem {
    /// Neither `.xlsx` nor `.csv`.
    Type,
    Places(Vec<PlaceError>),
}

/// A file's values for this return, or 422 naming every problem's place. The file is read on
/// the blocking pool: a large or hostile one never holds up the async workers.
pub async fn entries_from_file(
    ctx: &Ctx,
    rc: &ReturnCtx,
    name: &str,
    bytes: &[u8],
) -> AppResult<Vec<Entry>> {
    let (rc_owned, name_owned, bytes_owned) = (rc.clone(), name.to_string(), bytes.to_vec());
    let parsed =
        crate::blocking::run(move || parse_entries(&rc_owned, &name_owned, &bytes_owned)).await;
    match parsed {
        Some(Ok(entries)) => Ok(entries),
        Some(Err(FileProblem::Places(places))) => Err(file_errors(ctx, name, &places)),
        Some(Err(FileProblem::Type)) => Err(ctx.err(
            AppError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "file_type", "err.file.type")
                .args(vec![name.into()]),
        )),
        None => Err(ctx.err(AppError::internal(""))),
    }
}

fn parse_entries(rc: &ReturnCtx, name: &str, bytes: &[u8]) -> Result<Vec<Entry>, FileProblem> {
    let lower = name.to_lowercase();
    let raws = if lower.ends_with(".csv") {
        long::parse_csv_within(bytes, long::UPLOAD_RECORDS).map_err(FileProblem::Places)?
    } else if lower.ends_with(".xlsx") {
        read_template(rc, bytes).map_err(FileProblem::Places)?
    } else {
        return Err(FileProblem::Type);
    };
    // A CSV may only carry this organisation's values.
    let others: Vec<PlaceError> = raws
        .iter()
        .filter(|r| r.org != rc.org.credit_code)
        .take(long::MAX_ERRORS)
        .map(|r| PlaceError {
            place: Place { column: "org".into(), ..r.place.clone() },
            key: "err.file.other_org",
            args: vec![r.org.clone(), rc.org.credit_code.clone()],
        })
        .collect();
    if !others.is_empty() {
        return Err(FileProblem::Places(others));
    }
    let mut by_org = long::check(&rc.cat, &rc.form.code, &rc.period.to_string(), &raws)
        .map_err(FileProblem::Places)?;
    Ok(by_org.remove(&rc.org.credit_code).unwrap_or_default())
}

/// Completeness of an area as a workbook: units, then organisations.
pub fn completeness_xlsx(
    lang: Lang,
    form: &str,
    period: &str,
    unit: &OrgUnit,
    children: &[UnitRow],
    orgs: &[Expected],
    units: &[OrgUnit],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("DCE6F1");
    let name = |u: &OrgUnit| lang.pick(&u.name_zh, &u.name_en).to_string();
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "xlsx.sheet.units"))?;
    ws.write_string(0, 0, format!("{form} {period} · {}", name(unit)))?;
    for (c, h) in [
        "area.unit",
        "area.expected",
        "area.started",
        "area.submitted",
        "area.approved",
        "area.approval",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, t(lang, h), &head)?;
    }
    for (i, r) in children.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, name(&r.unit))?;
        for (c, n) in [r.expected, r.started, r.submitted, r.approved].iter().enumerate() {
            ws.write_number(row, 1 + c as u16, *n as f64)?;
        }
        ws.write_string(row, 5, &r.approval)?;
    }
    ws.set_column_width(0, 28)?;
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "xlsx.sheet.orgs"))?;
    for (c, h) in [
        "org.name",
        "org.credit_code",
        "org.unit",
        "area.status",
        "area.submitted_at",
        "area.reminders",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, t(lang, h), &head)?;
    }
    for (i, o) in orgs.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &o.name)?;
        ws.write_string(row, 1, &o.credit_code)?;
        ws.write_string(
            row,
            2,
            units.iter().find(|u| u.id == o.org_unit_id).map(name).unwrap_or_default(),
        )?;
        ws.write_string(row, 3, t(lang, &format!("status.{}", o.status.code())))?;
        ws.write_string(
            row,
            4,
            if o.submitted_at > 0 {
                crate::auth::format_time(lang, o.submitted_at)
            } else {
                String::new()
            },
        )?;
        ws.write_number(row, 5, o.reminders as f64)?;
    }
    ws.set_column_width(0, 36)?;
    ws.set_column_width(1, 22)?;
    wb.save_to_buffer()
}

/// Totals of an area as a workbook, numbers as numbers.
pub fn totals_xlsx(
    lang: Lang,
    form: &str,
    period: &str,
    previous: &str,
    unit: &str,
    children: &[String],
    rows: &[TotalRow],
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("DCE6F1");
    let num = Format::new().set_num_format("#,##0.##");
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "xlsx.sheet.totals"))?;
    ws.write_string(0, 0, format!("{form} {period} · {unit}"))?;
    let mut headers: Vec<String> = vec![
        t(lang, "xlsx.code").into(),
        t(lang, "xlsx.name").into(),
        t(lang, "xlsx.unit").into(),
        period.into(),
        previous.into(),
        t(lang, "analysis.change").into(),
    ];
    headers.extend(children.iter().cloned());
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &head)?;
    }
    let parse = |s: &str| s.replace(',', "").parse::<f64>().ok();
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, &r.code)?;
        ws.write_string(row, 1, &r.label)?;
        ws.write_string(row, 2, &r.unit)?;
        for (c, v) in [&r.here, &r.previous].iter().enumerate() {
            if let Some(n) = parse(v) {
                ws.write_number_with_format(row, 3 + c as u16, n, &num)?;
            }
        }
        ws.write_string(row, 5, &r.change)?;
        for (c, v) in r.children.iter().enumerate() {
            if let Some(n) = parse(v) {
                ws.write_number_with_format(row, 6 + c as u16, n, &num)?;
            }
        }
    }
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 36)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(4), "E");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
