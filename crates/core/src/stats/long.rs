//! Values in long format — one value per line: element, disaggregation, period, organisation,
//! value (and the row, for rosters) — read from CSV, or from any file the web layer has turned
//! into [`Raw`] values, and checked against a form with the place of every problem.
use super::values::Stored;
use super::{Catalogue, Form, FormKind};
use std::collections::{BTreeMap, HashSet};

/// Where a value came from: a sheet (empty for CSV), a 1-based line, a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub sheet: String,
    pub line: usize,
    pub column: String,
}

/// A problem at a place: a message key and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceError {
    pub place: Place,
    pub key: &'static str,
    pub args: Vec<String>,
}

/// Why an organisation named in a file may not report through it (found by the store, which
/// knows the registry; worded here with the file's other problems).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unaccepted {
    /// No organisation has this credit code.
    Unregistered { code: String },
    /// The organisation is registered but does not report this form.
    NotReporter { organisation: String, form: String },
}

impl PlaceError {
    /// The problem with an organisation's first line in the file.
    pub fn unaccepted(place: Place, why: Unaccepted) -> PlaceError {
        let (key, args) = match why {
            Unaccepted::Unregistered { code } => ("err.file.unregistered", vec![code]),
            Unaccepted::NotReporter { organisation, form } => {
                ("err.stats.not_reporter", vec![organisation, form])
            }
        };
        PlaceError { place, key, args }
    }
}

/// One value as read, not yet checked.
#[derive(Debug, Clone)]
pub struct Raw {
    pub place: Place,
    /// The place of the value itself (for a bad number).
    pub value_place: Place,
    pub element: String,
    pub disagg: String,
    pub period: String,
    /// The organisation's unified social credit code.
    pub org: String,
    pub value: String,
    pub row: i64,
}

/// A checked value for one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub element: String,
    pub disagg: String,
    pub row: i64,
    pub value: Option<Stored>,
}

/// The most problems reported from one file (the rest would drown the first ones).
pub const MAX_ERRORS: usize = 100;

/// Records a CSV uploaded on a page may hold (the command-line import takes any number).
pub const UPLOAD_RECORDS: usize = 500_000;

/// Characters one CSV field may hold (Excel's own limit for a cell).
pub const FIELD_CHARS: usize = 32_767;

/// A CSV's text without its byte-order mark, or the line where it stops being UTF-8.
pub(crate) fn utf8_text(bytes: &[u8]) -> Result<&str, Vec<PlaceError>> {
    std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        vec![whole_line(line, "err.file.not_utf8", vec![])]
    })
}

fn whole_line(line: usize, key: &'static str, args: Vec<String>) -> PlaceError {
    PlaceError { place: Place { sheet: String::new(), line, column: String::new() }, key, args }
}

/// A CSV record that cannot be taken: unreadable (named by its line, not the library's words),
/// a field over [`FIELD_CHARS`], or one record more than `max_records`.
fn record_problem(
    record: &Result<csv::StringRecord, csv::Error>,
    line: usize,
    index: usize,
    max_records: usize,
) -> Option<PlaceError> {
    match record {
        Err(e) => Some(whole_line(
            e.position().map(|p| p.line() as usize).unwrap_or(line),
            "err.file.csv",
            vec![],
        )),
        Ok(_) if index >= max_records => {
            Some(whole_line(line, "err.file.limit.records", vec![max_records.to_string()]))
        }
        Ok(r) => r.iter().position(|f| f.chars().count() > FIELD_CHARS).map(|i| PlaceError {
            place: Place { sheet: String::new(), line, column: (i + 1).to_string() },
            key: "err.file.limit.field_chars",
            args: vec![FIELD_CHARS.to_string()],
        }),
    }
}

/// Every record of a headerless CSV as texts (a yearbook), within the limits; the first
/// problem stops the reading.
pub fn csv_rows(bytes: &[u8], max_records: usize) -> Result<Vec<Vec<String>>, Vec<PlaceError>> {
    let text = utf8_text(bytes)?;
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        // Headerless: the first record is line 1.
        if let Some(problem) = record_problem(&record, n + 1, n, max_records) {
            return Err(vec![problem]);
        }
        if let Ok(r) = record {
            rows.push(r.iter().map(String::from).collect());
        }
    }
    Ok(rows)
}

const COLUMNS: [(&str, &str); 6] = [
    ("element", "指标代码"),
    ("disaggregation", "分组代码"),
    ("period", "报告期"),
    ("org", "统一社会信用代码"),
    ("value", "数值"),
    ("row", "行号"),
];

/// Reads a long-format CSV (UTF-8, with or without BOM; header names in English or Chinese).
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<Raw>, Vec<PlaceError>> {
    parse_csv_within(bytes, usize::MAX)
}

/// [`parse_csv`] with at most `max_records` records.
pub fn parse_csv_within(bytes: &[u8], max_records: usize) -> Result<Vec<Raw>, Vec<PlaceError>> {
    let at = |line: usize, column: &str, key: &'static str, args: Vec<String>| PlaceError {
        place: Place { sheet: String::new(), line, column: column.into() },
        key,
        args,
    };
    let text = utf8_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) => return Err(vec![at(1, "", "err.file.csv", vec![])]),
    };
    let mut index = [usize::MAX; 6];
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().to_lowercase();
        if let Some(c) = COLUMNS.iter().position(|(en, zh)| h == *en || h == *zh) {
            index[c] = i;
        }
    }
    let missing: Vec<String> = COLUMNS
        .iter()
        .zip(index)
        .take(5)
        .filter(|(_, i)| *i == usize::MAX)
        .map(|((en, zh), _)| format!("{en}（{zh}）"))
        .collect();
    if !missing.is_empty() {
        return Err(vec![at(1, "", "err.file.columns", vec![missing.join("、")])]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        if let Some(problem) = record_problem(&record, line, n, max_records) {
            let over = problem.key.starts_with("err.file.limit");
            errors.push(problem);
            if over {
                break;
            }
            continue;
        }
        let Ok(record) = record else { continue };
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        let get =
            |c: usize| if index[c] == usize::MAX { "" } else { record.get(index[c]).unwrap_or("") };
        let row = match get(5) {
            "" => 0,
            s => match s.parse::<i64>() {
                Ok(r) if r >= 0 => r,
                _ => {
                    errors.push(at(line, "row", "err.file.row_number", vec![s.into()]));
                    continue;
                }
            },
        };
        out.push(Raw {
            place: Place { sheet: String::new(), line, column: "element".into() },
            value_place: Place { sheet: String::new(), line, column: "value".into() },
            element: get(0).to_string(),
            disagg: get(1).to_string(),
            period: get(2).to_string(),
            org: get(3).to_string(),
            value: get(4).to_string(),
            row,
        });
        if errors.len() >= MAX_ERRORS {
            break;
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Checks values against a form and period: the element is on the form, the disaggregation
/// option exists, the period is the one being imported, the value fits the element's type, rows
/// are given for rosters only, and no cell appears twice. Returns the entries per organisation
/// (by credit code, in file order), or every problem with its place.
pub fn check(
    cat: &Catalogue,
    form: &str,
    period: &str,
    raws: &[Raw],
) -> Result<BTreeMap<String, Vec<Entry>>, Vec<PlaceError>> {
    let Some(f) = cat.form(form) else {
        return Err(vec![PlaceError {
            place: Place { sheet: String::new(), line: 0, column: String::new() },
            key: "err.stats.unknown_form",
            args: vec![form.into()],
        }]);
    };
    let checker = Checker { cat, f, form, period };
    let mut errors = Vec::new();
    let mut out: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for r in raws {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        match checker.entry(r, &mut seen) {
            Ok(entry) => out.entry(r.org.clone()).or_default().push(entry),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// What values are checked against: the form and the period being imported.
struct Checker<'a> {
    cat: &'a Catalogue,
    f: &'a Form,
    form: &'a str,
    period: &'a str,
}

/// A problem at `place`, in `column` (the place's own when empty).
fn fail(place: &Place, column: &str, key: &'static str, args: Vec<String>) -> PlaceError {
    PlaceError {
        place: Place {
            column: if column.is_empty() { place.column.clone() } else { column.into() },
            ..place.clone()
        },
        key,
        args,
    }
}

impl Checker<'_> {
    /// One value checked (its cell not `seen` before), or its first problem.
    fn entry(
        &self,
        r: &Raw,
        seen: &mut HashSet<(String, String, String, i64)>,
    ) -> Result<Entry, PlaceError> {
        let (cat, f) = (self.cat, self.f);
        let Some(e) = cat.element(&r.element).filter(|_| f.elements.contains(&r.element)) else {
            return Err(fail(
                &r.place,
                "",
                "err.file.unknown_element",
                vec![r.element.clone(), self.form.into()],
            ));
        };
        if !r.disagg.is_empty() && !cat.options_of(e).iter().any(|o| o.code == r.disagg) {
            return Err(fail(
                &r.place,
                "disaggregation",
                "err.file.unknown_disagg",
                vec![r.disagg.clone(), r.element.clone()],
            ));
        }
        if r.period != self.period {
            return Err(fail(
                &r.place,
                "period",
                "err.file.wrong_period",
                vec![r.period.clone(), self.period.into()],
            ));
        }
        self.check_row(r)?;
        let value = e.parse_value(&r.value).map_err(|ve| PlaceError {
            place: r.value_place.clone(),
            key: ve.key,
            args: ve.args,
        })?;
        if !seen.insert((r.org.clone(), r.element.clone(), r.disagg.clone(), r.row)) {
            return Err(fail(&r.place, "", "err.file.duplicate_cell", vec![r.element.clone()]));
        }
        Ok(Entry { element: r.element.clone(), disagg: r.disagg.clone(), row: r.row, value })
    }

    /// Rows are given for rosters only.
    fn check_row(&self, r: &Raw) -> Result<(), PlaceError> {
        let row_ok = match self.f.kind {
            FormKind::Grid => r.row == 0,
            FormKind::Roster => r.row >= 1,
        };
        if row_ok {
            return Ok(());
        }
        Err(fail(
            &r.place,
            "row",
            if self.f.kind == FormKind::Grid {
                "err.file.row_on_grid"
            } else {
                "err.file.row_missing"
            },
            vec![r.row.to_string()],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_file_reads_into_entries_per_organisation() {
        let cat = Catalogue::built_in().unwrap();
        let csv = "\u{feff}element,disaggregation,period,org,value\nRD_EXP,,2025,91620100MA7XXXXX01,\"1,000\"\nRD_EXP,GOV,2025,91620100MA7XXXXX01,150\nRD_STAFF,,2025,B,12\n";
        let raws = parse_csv(csv.as_bytes()).unwrap();
        let by_org = check(&cat, "107-2", "2025", &raws).unwrap();
        assert_eq!(by_org.len(), 2);
        assert_eq!(by_org["91620100MA7XXXXX01"][0].value, Some(Stored::Num(1000.0)));
        assert_eq!(by_org["91620100MA7XXXXX01"][1].disagg, "GOV");
        let zh = "指标代码,分组代码,报告期,统一社会信用代码,数值,行号\nP_NAME,,2025,A,智能制造关键技术研究,1\n";
        let by_org = check(&cat, "107-1", "2025", &parse_csv(zh.as_bytes()).unwrap()).unwrap();
        assert_eq!(by_org["A"][0].row, 1);
    }

    #[test]
    fn every_problem_names_its_line_and_column() {
        let cat = Catalogue::built_in().unwrap();
        let csv = "element,disaggregation,period,org,value\nRD_EXP,,2025,A,一千\nNOPE,,2025,A,1\nRD_EXP,XX,2025,A,1\nRD_STAFF,,2024,A,1\nRD_STAFF,,2025,A,2\nRD_STAFF,,2025,A,3\n";
        let errs = check(&cat, "107-2", "2025", &parse_csv(csv.as_bytes()).unwrap()).unwrap_err();
        let got: Vec<(usize, &str, &str)> =
            errs.iter().map(|e| (e.place.line, e.place.column.as_str(), e.key)).collect();
        assert_eq!(
            got,
            vec![
                (2, "value", "err.value.not_number"),
                (3, "element", "err.file.unknown_element"),
                (4, "disaggregation", "err.file.unknown_disagg"),
                (5, "period", "err.file.wrong_period"),
                (7, "element", "err.file.duplicate_cell"),
            ]
        );
        let e = parse_csv(b"a,b\n1,2\n").unwrap_err();
        assert_eq!(e[0].key, "err.file.columns");
        let e = parse_csv(b"element,disaggregation,period,org,value\nRD_EXP,,2025,A,\xB0\xD9\n")
            .unwrap_err();
        assert_eq!((e[0].key, e[0].place.line), ("err.file.not_utf8", 2));
    }
}
