//! Reading the spreadsheets people upload, without trusting them. An XLSX is a zip of XML
//! parts; a hostile one can declare a sheet of 17 billion cells in 1.6 KB, inflate a part a
//! thousandfold or hold one string of a gigabyte. So every part is inflated through a counter
//! that stops at a limit, the sheet is read as a stream of cells kept sparsely (only cells with
//! a value), and every limit refused names itself. Numbers come back as officials typed them
//! (`12.5`, not `12.500000001`), dates as `2025-06-30`.
use innocity_core::stats::values::format_plain;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Seek};
use std::rc::Rc;

/// What the reader accepts; past any of these the file is refused, naming the limit.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Uncompressed bytes of any one part (a sheet, the shared strings).
    pub part_bytes: u64,
    /// Uncompressed bytes of all parts read together.
    pub total_bytes: u64,
    /// How many times larger than its compressed size a part may inflate (above 1 MiB).
    pub ratio: u64,
    /// The last row and column a cell may sit in (1-based).
    pub rows: u32,
    pub columns: u32,
    /// Cells with a value.
    pub cells: usize,
    /// Characters in one string (Excel's own limit is 32,767).
    pub string_chars: usize,
    /// Entries in the shared-strings table.
    pub strings: usize,
    /// Bytes of text kept from a sheet's cells (shared strings count once per cell).
    pub text_bytes: u64,
    /// Cells a sheet laid out as a grid may have, blank ones included ([`Sheet::dense`]).
    pub grid_cells: usize,
}

impl Limits {
    /// Far above any statistics return, yearbook or roster, far below what hurts the server.
    pub const UPLOAD: Limits = Limits {
        part_bytes: 48 << 20,
        total_bytes: 96 << 20,
        ratio: 200,
        rows: 100_000,
        columns: 1_024,
        cells: 500_000,
        string_chars: 32_767,
        strings: 500_000,
        text_bytes: 64 << 20,
        grid_cells: 2_000_000,
    };
}

/// Which limit a file passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    PartBytes,
    TotalBytes,
    Ratio,
    Rows,
    Columns,
    Cells,
    StringChars,
    Strings,
    TextBytes,
    GridCells,
}

impl Limit {
    /// The message key naming this limit (`err.file.limit.rows` …).
    pub fn key(self) -> &'static str {
        match self {
            Limit::PartBytes => "err.file.limit.part_bytes",
            Limit::TotalBytes => "err.file.limit.total_bytes",
            Limit::Ratio => "err.file.limit.ratio",
            Limit::Rows => "err.file.limit.rows",
            Limit::Columns => "err.file.limit.columns",
            Limit::Cells => "err.file.limit.cells",
            Limit::StringChars => "err.file.limit.string_chars",
            Limit::Strings => "err.file.limit.strings",
            Limit::TextBytes => "err.file.limit.text_bytes",
            Limit::GridCells => "err.file.limit.cells",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// Not a zip, or not an OOXML workbook.
    NotXlsx,
    /// A part is missing or its XML is malformed (the part's name).
    Broken(String),
    NoSheet {
        wanted: String,
        found: Vec<String>,
    },
    /// Over a limit: which, the limit, and where (`A1048576`, a part name, or empty).
    TooBig {
        limit: Limit,
        max: u64,
        at: String,
    },
}

/// One sheet, sparse: only cells that hold a value, by 0-based row then column.
#[derive(Debug, Default)]
pub struct Sheet {
    pub name: String,
    rows: BTreeMap<u32, BTreeMap<u32, String>>,
}

impl Sheet {
    /// A cell's text, trimmed; empty when the cell is blank.
    pub fn get(&self, row: u32, column: u32) -> &str {
        self.rows.get(&row).and_then(|r| r.get(&column)).map(String::as_str).unwrap_or("")
    }
    /// Rows that hold at least one value, in order, with their cells.
    pub fn rows(&self) -> impl Iterator<Item = (u32, &BTreeMap<u32, String>)> {
        self.rows.iter().map(|(r, cells)| (*r, cells))
    }
    /// [`Sheet::dense`], unless the grid (blank cells included) is larger than `limits` allow.
    pub fn dense_within(&self, limits: Limits) -> Result<Vec<Vec<String>>, SheetError> {
        let cells: usize =
            self.rows.values().map(|r| r.keys().next_back().map_or(0, |c| *c as usize + 1)).sum();
        if cells > limits.grid_cells {
            return Err(SheetError::TooBig {
                limit: Limit::GridCells,
                max: limits.grid_cells as u64,
                at: self.name.clone(),
            });
        }
        Ok(self.dense())
    }

    /// Every row from the first to the last as a list of texts (blank rows kept, so a row's
    /// index is its line number less one).
    pub fn dense(&self) -> Vec<Vec<String>> {
        let last = self.rows.keys().next_back().map(|r| r + 1).unwrap_or(0);
        (0..last)
            .map(|r| match self.rows.get(&r) {
                None => Vec::new(),
                Some(cells) => {
                    let width = cells.keys().next_back().map(|c| c + 1).unwrap_or(0);
                    (0..width).map(|c| cells.get(&c).cloned().unwrap_or_default()).collect()
                }
            })
            .collect()
    }
}

/// Which sheet to read.
pub enum Which<'a> {
    Named(&'a str),
    First,
}

/// Reads one sheet of an XLSX held in memory.
pub fn read(bytes: &[u8], which: Which<'_>, limits: Limits) -> Result<Sheet, SheetError> {
    let mut book = Book::open(std::io::Cursor::new(bytes), limits)?;
    let sheets = book.sheets()?;
    let found = || sheets.iter().map(|s| s.0.clone()).collect::<Vec<_>>();
    let (name, path) = match which {
        Which::Named(wanted) => sheets
            .iter()
            .find(|s| s.0 == wanted)
            .cloned()
            .ok_or_else(|| SheetError::NoSheet { wanted: wanted.to_string(), found: found() })?,
        Which::First => sheets
            .first()
            .cloned()
            .ok_or_else(|| SheetError::NoSheet { wanted: String::new(), found: Vec::new() })?,
    };
    let strings = book.shared_strings()?;
    let dates = book.date_styles()?;
    let rows = book.cells(&path, &strings, &dates)?;
    Ok(Sheet { name, rows })
}

/// Set by [`Counted`] when it stops a stream (the XML reader wraps IO errors in its own type).
type Hit = Rc<Cell<Option<(Limit, u64)>>>;

struct Book<R: Read + Seek> {
    zip: zip::ZipArchive<R>,
    limits: Limits,
    /// Uncompressed bytes read so far, across parts.
    inflated: Rc<Cell<u64>>,
    hit: Hit,
}

impl<R: Read + Seek> Book<R> {
    fn open(reader: R, limits: Limits) -> Result<Self, SheetError> {
        let zip = zip::ZipArchive::new(reader).map_err(|_| SheetError::NotXlsx)?;
        Ok(Book { zip, limits, inflated: Rc::default(), hit: Rc::default() })
    }

    /// A part as a reader that refuses to inflate past the limits; `None` when absent.
    fn part(&mut self, name: &str) -> Result<Option<impl BufRead + '_>, SheetError> {
        let limits = self.limits;
        let file = match self.zip.by_name(name) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(_) => return Err(SheetError::Broken(name.to_string())),
        };
        let too_big = |limit, max| SheetError::TooBig { limit, max, at: name.to_string() };
        if file.size() > limits.part_bytes {
            return Err(too_big(Limit::PartBytes, limits.part_bytes));
        }
        if file.size() > 1 << 20 && file.size() / file.compressed_size().max(1) > limits.ratio {
            return Err(too_big(Limit::Ratio, limits.ratio));
        }
        let budget = limits.part_bytes.min(limits.total_bytes.saturating_sub(self.inflated.get()));
        let limit = if budget < limits.part_bytes {
            (Limit::TotalBytes, limits.total_bytes)
        } else {
            (Limit::PartBytes, limits.part_bytes)
        };
        // The declared size may lie: the counter stops the stream itself.
        let counted = Counted {
            inner: file,
            left: budget,
            used: self.inflated.clone(),
            limit,
            hit: self.hit.clone(),
        };
        Ok(Some(BufReader::new(counted)))
    }

    /// Sheet names and their parts, in the workbook's order.
    fn sheets(&mut self) -> Result<Vec<(String, String)>, SheetError> {
        let rels = self.relationships()?;
        let mut out = Vec::new();
        let hit = self.hit.clone();
        let Some(part) = self.part("xl/workbook.xml")? else { return Err(SheetError::NotXlsx) };
        each_start(part, "xl/workbook.xml", &hit, |e| {
            if e.local_name().as_ref() == "sheet" {
                let name = attr(e, "name").unwrap_or_default();
                let id = attr_local(e, "id").unwrap_or_default();
                if let Some(target) = rels.get(&id) {
                    out.push((name, target.clone()));
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The workbook's relationship ids and the parts they point to (`xl/worksheets/sheet1.xml`).
    fn relationships(&mut self) -> Result<BTreeMap<String, String>, SheetError> {
        let mut out = BTreeMap::new();
        let hit = self.hit.clone();
        let Some(part) = self.part("xl/_rels/workbook.xml.rels")? else {
            return Err(SheetError::NotXlsx);
        };
        each_start(part, "xl/_rels/workbook.xml.rels", &hit, |e| {
            if e.local_name().as_ref() == "Relationship"
                && let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target"))
            {
                let path = match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_string(),
                    None => format!("xl/{target}"),
                };
                out.insert(id, path);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The shared-strings table (empty when the workbook has none).
    fn shared_strings(&mut self) -> Result<Vec<String>, SheetError> {
        const PART: &str = "xl/sharedStrings.xml";
        let limits = self.limits;
        let hit = self.hit.clone();
        let Some(part) = self.part(PART)? else { return Ok(Vec::new()) };
        let mut xml = Reader::from_reader(part);
        let mut buf = Vec::new();
        let mut out: Vec<String> = Vec::new();
        let mut current = Text::default();
        // Inside <si>, and inside a phonetic run (<rPh>, which Excel shows nowhere).
        let (mut in_item, mut in_phonetic, mut in_text) = (false, false, false);
        loop {
            let event = xml.read_event_into(&mut buf).map_err(|_| broken_or_limit(&hit, PART))?;
            match event {
                Event::Start(e) => match e.local_name().as_ref() {
                    "si" => {
                        in_item = true;
                        current.clear();
                    }
                    "rPh" => in_phonetic = true,
                    "t" => in_text = in_item && !in_phonetic,
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "si" => {
                        if out.len() >= limits.strings {
                            return Err(SheetError::TooBig {
                                limit: Limit::Strings,
                                max: limits.strings as u64,
                                at: PART.into(),
                            });
                        }
                        out.push(std::mem::take(&mut current.text));
                        current.clear();
                        in_item = false;
                    }
                    "rPh" => in_phonetic = false,
                    "t" => in_text = false,
                    _ => {}
                },
                Event::Text(t) if in_text => current.push(&t.xml10_content(), limits, PART)?,
                Event::GeneralRef(r) if in_text => current.push(&entity(&r)?, limits, PART)?,
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Ok(out)
    }

    /// Style indexes (`s="3"`) whose number format shows a date.
    fn date_styles(&mut self) -> Result<Vec<bool>, SheetError> {
        const PART: &str = "xl/styles.xml";
        let hit = self.hit.clone();
        let Some(part) = self.part(PART)? else { return Ok(Vec::new()) };
        let mut custom: BTreeMap<u32, bool> = BTreeMap::new();
        let mut styles: Vec<u32> = Vec::new();
        let mut in_cell_xfs = false;
        let mut xml = Reader::from_reader(part);
        let mut buf = Vec::new();
        loop {
            let event = xml.read_event_into(&mut buf).map_err(|_| broken_or_limit(&hit, PART))?;
            match &event {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    "numFmt" => {
                        if let (Some(id), Some(code)) = (
                            attr(e, "numFmtId").and_then(|v| v.parse().ok()),
                            attr(e, "formatCode"),
                        ) {
                            custom.insert(id, is_date_format(&code));
                        }
                    }
                    "cellXfs" => in_cell_xfs = matches!(event, Event::Start(_)),
                    "xf" if in_cell_xfs => {
                        styles.push(attr(e, "numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0))
                    }
                    _ => {}
                },
                Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Ok(styles
            .into_iter()
            .map(|id| custom.get(&id).copied().unwrap_or_else(|| is_builtin_date(id)))
            .collect())
    }

    /// A sheet's cells, streamed: each kept only if it holds a value, within the limits.
    fn cells(
        &mut self,
        path: &str,
        strings: &[String],
        dates: &[bool],
    ) -> Result<BTreeMap<u32, BTreeMap<u32, String>>, SheetError> {
        let limits = self.limits;
        let hit = self.hit.clone();
        let Some(part) = self.part(path)? else { return Err(SheetError::Broken(path.to_string())) };
        let mut xml = Reader::from_reader(part);
        let mut buf = Vec::new();
        let mut kept = Kept { rows: BTreeMap::new(), count: 0, bytes: 0 };
        let mut cell: Option<CellStart> = None;
        let mut value = Text::default();
        let (mut in_value, mut next_row, mut next_column) = (false, 0u32, 0u32);
        loop {
            let event = xml.read_event_into(&mut buf).map_err(|_| broken_or_limit(&hit, path))?;
            match &event {
                Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                    "dimension" => check_dimension(&attr(e, "ref").unwrap_or_default(), limits)?,
                    "row" => {
                        next_row = attr(e, "r")
                            .and_then(|r| r.parse::<u32>().ok())
                            .map(|r| r.saturating_sub(1))
                            .unwrap_or(next_row);
                        next_column = 0;
                    }
                    "c" => {
                        let start = CellStart::read(e, (next_row, next_column), limits, dates)?;
                        next_column = start.column + 1;
                        cell = Some(start);
                        value.clear();
                        if matches!(event, Event::Empty(_)) {
                            cell = None;
                        }
                    }
                    "v" | "t" if cell.is_some() => in_value = matches!(event, Event::Start(_)),
                    _ => {}
                },
                Event::End(e) => match e.local_name().as_ref() {
                    "v" | "t" => in_value = false,
                    "row" => next_row = next_row.saturating_add(1),
                    "c" => {
                        if let Some(c) = cell.take() {
                            let text = c.text(value.text.trim(), strings);
                            kept.keep(&c, text, limits)?;
                        }
                    }
                    _ => {}
                },
                Event::Text(t) if in_value => value.push(&t.xml10_content(), limits, path)?,
                Event::GeneralRef(r) if in_value => value.push(&entity(r)?, limits, path)?,
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        Ok(kept.rows)
    }
}

/// The cells kept from a sheet, how many, and how much text: a shared string repeated in every
/// cell is copied each time.
struct Kept {
    rows: BTreeMap<u32, BTreeMap<u32, String>>,
    count: usize,
    bytes: u64,
}

impl Kept {
    /// Keeps a cell's text if it holds a value, within the limits.
    fn keep(&mut self, c: &CellStart, text: String, limits: Limits) -> Result<(), SheetError> {
        if text.is_empty() {
            return Ok(());
        }
        self.count += 1;
        if self.count > limits.cells {
            return Err(SheetError::TooBig {
                limit: Limit::Cells,
                max: limits.cells as u64,
                at: cell_ref(c.row, c.column),
            });
        }
        self.bytes += text.len() as u64;
        if self.bytes > limits.text_bytes {
            return Err(SheetError::TooBig {
                limit: Limit::TextBytes,
                max: limits.text_bytes,
                at: cell_ref(c.row, c.column),
            });
        }
        self.rows.entry(c.row).or_default().insert(c.column, text);
        Ok(())
    }
}

struct CellStart {
    row: u32,
    column: u32,
    kind: String,
    date: bool,
}

impl CellStart {
    /// A `<c>` element: its place (or the next one when it names none), type and date style.
    fn read(
        e: &BytesStart<'_>,
        next: (u32, u32),
        limits: Limits,
        dates: &[bool],
    ) -> Result<CellStart, SheetError> {
        let (row, column) = attr(e, "r").and_then(|r| parse_ref(&r)).unwrap_or(next);
        check_place(row, column, limits)?;
        let style = attr(e, "s").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
        Ok(CellStart {
            row,
            column,
            kind: attr(e, "t").unwrap_or_default(),
            date: dates.get(style).copied().unwrap_or(false),
        })
    }

    /// The cell's text as a person reads it.
    fn text(&self, raw: &str, strings: &[String]) -> String {
        match self.kind.as_str() {
            "s" => raw
                .parse::<usize>()
                .ok()
                .and_then(|i| strings.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            "inlineStr" | "str" | "d" => raw.to_string(),
            "b" => if raw == "1" { "true" } else { "false" }.to_string(),
            "e" => format!("#{raw}"),
            _ => match raw.parse::<f64>() {
                Ok(n) if self.date && n.is_finite() => excel_date(n),
                Ok(n) if n.is_finite() => format_plain(n),
                _ => raw.to_string(),
            },
        }
    }
}

/// Excel's serial day number (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    // Excel's dates end at 9999-12-31 (serial 2,958,465); anything else stays a number.
    let day = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .filter(|_| (0.0..3_000_000.0).contains(&serial))
        .and_then(|base| {
            chrono::TimeDelta::try_days(serial.floor() as i64)
                .and_then(|d| base.checked_add_signed(d))
        });
    match day {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => format_plain(serial),
    }
}

/// Built-in number formats that show dates or times (ECMA-376 §18.8.30).
fn is_builtin_date(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// A custom format shows a date when it has a date letter outside quotes, brackets and escapes.
fn is_date_format(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for ch in code.chars() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            'y' | 'Y' | 'm' | 'M' | 'd' | 'D' | 'h' | 'H' | 's' | 'S' if !quoted && !bracket => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// A string being read and its length in characters so far (counted once per fragment).
#[derive(Default)]
struct Text {
    text: String,
    chars: usize,
}

impl Text {
    fn push(&mut self, fragment: &str, limits: Limits, part: &str) -> Result<(), SheetError> {
        self.chars += fragment.chars().count();
        if self.chars > limits.string_chars {
            return Err(SheetError::TooBig {
                limit: Limit::StringChars,
                max: limits.string_chars as u64,
                at: part.to_string(),
            });
        }
        self.text.push_str(fragment);
        Ok(())
    }
    fn clear(&mut self) {
        self.text.clear();
        self.chars = 0;
    }
}

/// `&amp;` and friends, and `&#x4E2D;`.
fn entity(r: &quick_xml::events::BytesRef<'_>) -> Result<String, SheetError> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Ok(c.to_string());
    }
    Ok(match r.xml10_content().as_ref() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_string())
}

/// A reader error is the limit's when the counter stopped the stream, else the part is broken.
fn broken_or_limit(hit: &Hit, part: &str) -> SheetError {
    match hit.take() {
        Some((limit, max)) => SheetError::TooBig { limit, max, at: part.to_string() },
        None => SheetError::Broken(part.to_string()),
    }
}

/// A reader that fails once more than `left` bytes come through, counting into `used`.
struct Counted<R> {
    inner: R,
    left: u64,
    used: Rc<Cell<u64>>,
    limit: (Limit, u64),
    hit: Hit,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)? as u64;
        if n > self.left {
            self.hit.set(Some(self.limit));
            return Err(std::io::Error::other("limit"));
        }
        self.left -= n;
        self.used.set(self.used.get() + n);
        Ok(n as usize)
    }
}

/// Calls `f` on every start or empty element of a small part (workbook, relationships).
fn each_start<B: BufRead>(
    part: B,
    name: &str,
    hit: &Hit,
    mut f: impl FnMut(&BytesStart<'_>) -> Result<(), SheetError>,
) -> Result<(), SheetError> {
    let mut xml = Reader::from_reader(part);
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf).map_err(|_| broken_or_limit(hit, name))? {
            Event::Start(e) | Event::Empty(e) => f(&e)?,
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// An attribute by local name (`r:id` → `id`).
fn attr_local(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

/// `B12` → (11, 1), 0-based.
fn parse_ref(r: &str) -> Option<(u32, u32)> {
    let split = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let column = letters.bytes().try_fold(0u32, |acc, b| {
        b.is_ascii_uppercase().then(|| acc * 26 + u32::from(b - b'A') + 1)
    })?;
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, column.checked_sub(1)?))
}

fn cell_ref(row: u32, column: u32) -> String {
    format!("{}{}", crate::stats::files::column_letter(column), u64::from(row) + 1)
}

fn check_place(row: u32, column: u32, limits: Limits) -> Result<(), SheetError> {
    if row >= limits.rows {
        return Err(SheetError::TooBig {
            limit: Limit::Rows,
            max: u64::from(limits.rows),
            at: cell_ref(row, column),
        });
    }
    if column >= limits.columns {
        return Err(SheetError::TooBig {
            limit: Limit::Columns,
            max: u64::from(limits.columns),
            at: cell_ref(row, column),
        });
    }
    Ok(())
}

/// The sheet's declared extent (`A1:XFD1048576`) must lie within the limits.
fn check_dimension(range: &str, limits: Limits) -> Result<(), SheetError> {
    match range.rsplit(':').next().and_then(parse_ref) {
        Some((row, column)) => check_place(row, column, limits),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(parse_ref("A1"), Some((0, 0)));
        assert_eq!(parse_ref("AB12"), Some((11, 27)));
        assert_eq!(parse_ref("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_ref("A0"), None);
        assert_eq!(parse_ref("12"), None);
        assert_eq!(parse_ref("ABCD1"), None);
    }

    #[test]
    fn date_formats() {
        assert!(is_date_format("yyyy-mm-dd"));
        assert!(is_date_format("[$-804]yyyy\"年\"m\"月\""));
        assert!(!is_date_format("0.00"));
        assert!(!is_date_format("#,##0\"元\""));
        assert!(!is_date_format("[Red]0.0"));
        assert!(is_builtin_date(14));
        assert!(!is_builtin_date(2));
        assert_eq!(excel_date(45838.0), "2025-06-30");
    }
}
