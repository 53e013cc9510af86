//! Files in and out: the template and the roster as workbooks, bad files named by place,
//! hostile workbooks refused by their limits, sheets read as Excel shows them.
use super::*;

#[tokio::test]
async fn the_template_goes_out_and_comes_back_and_bad_files_name_the_place() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let org = orgs::get(&t.db, own).await.unwrap().unwrap();
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let s = t.login("orgadmin").await;
    let (status, headers, bytes) = t.get_bytes(&s, &format!("{ret}/template.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().contains("spreadsheetml"));
    // A real workbook, with this return's values in it.
    use calamine::{DataType, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    let range = wb.worksheet_range("107-2").unwrap();
    let revenue = t.value(own, "107-2", "2025", "REVENUE", "").await.unwrap();
    let row = (0..range.height() as u32)
        .find(|r| range.get_value((*r, 0)).map(|d| d.to_string()) == Some("REVENUE".into()))
        .unwrap();
    assert_eq!(range.get_value((row, 4)).unwrap().as_f64(), Some(revenue));
    assert_eq!(range.get_value((1, 5)).unwrap().to_string(), org.credit_code);
    // The user changes revenue in Excel and uploads it: stored, with source xlsx.
    let edited = copy_with(&range, row, NewValue::Number(revenue + 1000.0));
    let r = t.upload(&s, &format!("{ret}/upload"), "107-2_2025.xlsx", &edited).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.value(own, "107-2", "2025", "REVENUE", "").await, Some(revenue + 1000.0));
    let ret_id = store::find_return(&t.db, "107-2", "2025", own).await.unwrap().unwrap().id;
    assert!(
        store::history(&t.db, ret_id, 5)
            .await
            .unwrap()
            .iter()
            .any(|h| h.element == "REVENUE" && h.source == "xlsx")
    );
    // The same file twice: refused, saying when and by whom it came first.
    let r = t.upload(&s, &format!("{ret}/upload"), "107-2_2025.xlsx", &edited).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("已由 orgadmin 于"), "{}", r.body);
    // A text in a number cell: sheet, row and column are named; nothing changes.
    let bad = copy_with(&range, row, NewValue::Text("一千万"));
    let r = t.upload(&s, &format!("{ret}/upload"), "bad.xlsx", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(&format!("工作表“107-2”，第 {} 行，E 列：“一千万”不是数字", row + 1)),
        "{}",
        r.body
    );
    assert_eq!(t.value(own, "107-2", "2025", "REVENUE", "").await, Some(revenue + 1000.0));
    // Another period's template.
    let mut other = rust_xlsxwriter::Workbook::new();
    let ws = other.add_worksheet();
    ws.set_name("107-2").unwrap();
    ws.write_string(1, 1, "107-2").unwrap();
    ws.write_string(1, 3, "2024").unwrap();
    let r =
        t.upload(&s, &format!("{ret}/upload"), "old.xlsx", &other.save_to_buffer().unwrap()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 2 行，D 列：报告期为“2024”，应为“2025”"), "{}", r.body);
    // A CSV in long format, with a bad line and another organisation's line.
    let csv = format!(
        "element,disaggregation,period,org,value\nRD_STAFF,,2025,{c},abc\nRD_STAFF,,2025,91620100MA000000XX,5\n",
        c = org.credit_code
    );
    let r = t.upload(&s, &format!("{ret}/upload"), "values.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("第 3 行，org 列"), "{}", r.body);
    let csv = format!(
        "element,disaggregation,period,org,value\nRD_STAFF,,2025,{c},abc\n",
        c = org.credit_code
    );
    let r = t.upload(&s, &format!("{ret}/upload"), "values.csv", csv.as_bytes()).await;
    assert!(r.body.contains("第 2 行，value 列：“abc”不是数字"), "{}", r.body);
    let r = t.upload(&s, &format!("{ret}/upload"), "notes.docx", b"PK").await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

/// A copy of the template, as a user would save it from Excel, with one value cell changed
/// (to text, or to another number).
enum NewValue<'a> {
    Text(&'a str),
    Number(f64),
}

fn copy_with(range: &calamine::Range<calamine::Data>, row: u32, value: NewValue) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("107-2").unwrap();
    copy_rows(ws, range, range.height() as u32);
    match value {
        NewValue::Text(text) => ws.write_string(row, 4, text).unwrap(),
        NewValue::Number(n) => ws.write_number(row, 4, n).unwrap(),
    };
    wb.save_to_buffer().unwrap()
}

/// Copies the first `rows` rows of a sheet read with calamine into one being written.
fn copy_rows(
    ws: &mut rust_xlsxwriter::Worksheet,
    range: &calamine::Range<calamine::Data>,
    rows: u32,
) {
    for r in 0..rows.min(range.height() as u32) {
        for c in 0..range.width() as u32 {
            match range.get_value((r, c)) {
                Some(calamine::Data::String(v)) => {
                    ws.write_string(r, c as u16, v).unwrap();
                }
                Some(calamine::Data::Float(v)) => {
                    ws.write_number(r, c as u16, *v).unwrap();
                }
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn a_roster_goes_out_and_comes_back_row_by_row() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let ret = format!("/stats/107-1/2025/orgs/{own}");
    let s = t.login("orgadmin").await;
    let page = t.get(&s, &ret).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"roster\""));
    let (_, _, bytes) = t.get_bytes(&s, &format!("{ret}/template.xlsx")).await;
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range("107-1").unwrap();
    // Row 5 holds the element codes; projects start on row 6.
    assert_eq!(range.get_value((4, 0)).unwrap().to_string(), "P_NAME");
    let stored_rows = (5..range.height() as u32)
        .filter(|r| !range.get_value((*r, 0)).map(|d| d.to_string()).unwrap_or_default().is_empty())
        .count();
    assert!(stored_rows >= 2, "the demo's projects are in the template");
    // The user keeps the first project, changes its cooperation to a name, and adds one whose
    // dates are the wrong way round.
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    ws.set_name("107-1").unwrap();
    copy_rows(ws, &range, 6);
    ws.write_string(5, 2, "与境内高校合作").unwrap();
    for (c, v) in [
        "兰白试验区稀土功能材料中试平台建设",
        "2",
        "5",
        "202512",
        "202502",
        "6",
        "30",
        "400",
        "100",
    ]
    .iter()
    .enumerate()
    {
        match v.parse::<f64>() {
            Ok(n) if c > 2 => ws.write_number(6, c as u16, n).unwrap(),
            _ => ws.write_string(6, c as u16, *v).unwrap(),
        };
    }
    let r = t
        .upload(&s, &format!("{ret}/upload"), "projects.xlsx", &out.save_to_buffer().unwrap())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rid = store::find_return(&t.db, "107-1", "2025", own).await.unwrap().unwrap().id;
    let cells = store::cells(&t.db, rid).await.unwrap();
    let rows: std::collections::BTreeSet<i64> = cells.iter().map(|c| c.row).collect();
    assert_eq!(
        rows.into_iter().collect::<Vec<_>>(),
        vec![1, 2],
        "the file replaced the roster: two projects"
    );
    assert!(
        cells.iter().any(|c| c.element == "P_COOP" && c.row == 1 && c.value.to_input() == "2"),
        "a choice's name is stored as its code"
    );
    // Row 2 breaks the row rule start ≤ end; the page names the row.
    let page = t.get(&s, &ret).await.body;
    assert!(page.contains("R107-1-01") && page.contains("第 2 行"), "row rule on row 2");
}

/// A workbook as an attacker writes it by hand: the parts an XLSX needs, one sheet named
/// `sheet`, with the given sheet XML and shared strings.
fn crafted_xlsx(sheet: &str, sheet_xml: &str, shared: Option<&str>) -> Vec<u8> {
    crafted_xlsx_styled(sheet, sheet_xml, shared, None)
}

/// [`crafted_xlsx`] with a styles part (`<cellXfs>` … for date formats).
fn crafted_xlsx_styled(
    sheet: &str,
    sheet_xml: &str,
    shared: Option<&str>,
    cell_xfs: Option<&str>,
) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, text: &str| {
        zip.start_file(name, deflate).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    };
    part(
        "[Content_Types].xml",
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#,
    );
    part(
        "xl/workbook.xml",
        &format!(
            r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        ),
    );
    part(
        "xl/_rels/workbook.xml.rels",
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    );
    part(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet_xml}</worksheet>"#
        ),
    );
    if let Some(xfs) = cell_xfs {
        part(
            "xl/styles.xml",
            &format!(
                r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>{xfs}</cellXfs></styleSheet>"#
            ),
        );
    }
    if let Some(shared) = shared {
        part(
            "xl/sharedStrings.xml",
            &format!(
                r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{shared}</sst>"#
            ),
        );
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn hostile_workbooks_are_refused_by_their_limit_and_the_server_stays_up() {
    let t = stats_app().await;
    let own = t.user_org("orgadmin").await;
    let ret = format!("/stats/107-2/2025/orgs/{own}");
    let s = t.login("orgadmin").await;
    let revenue = t.value(own, "107-2", "2025", "REVENUE", "").await;
    // Cells only at A1 and XFD1048576: 1.6 KB that once asked for 512 GB and aborted the process.
    let corners = crafted_xlsx(
        "107-2",
        r#"<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#,
        None,
    );
    assert!(corners.len() < 2_000, "{}", corners.len());
    let r = t.upload(&s, &format!("{ret}/upload"), "corners.xlsx", &corners).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("单元格 XFD1048576 超出上传限制：工作表最多读取 100,000 行"),
        "{}",
        r.body
    );
    // A declared extent of 400,000 rows.
    let tall = crafted_xlsx(
        "107-2",
        r#"<dimension ref="A1:Z400000"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>"#,
        None,
    );
    let r = t.upload(&s, &format!("{ret}/upload"), "tall.xlsx", &tall).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("单元格 Z400000"), "{}", r.body);
    // One shared string of 263 KB.
    let long = format!("<si><t>{}</t></si>", "长".repeat(90_000));
    let huge = crafted_xlsx(
        "107-2",
        r#"<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>"#,
        Some(&long),
    );
    let r = t.upload(&s, &format!("{ret}/upload"), "huge.xlsx", &huge).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("超过 32,767 个字符"), "{}", r.body);
    // A part that inflates a thousandfold (a zip bomb), and one past the size of any part.
    let bomb =
        crafted_xlsx("107-2", &format!("<sheetData>{}</sheetData>", " ".repeat(8 << 20)), None);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let r = t.upload(&s, &format!("{ret}/upload"), "bomb.xlsx", &bomb).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("压缩比超过 200 倍"), "{}", r.body);
    // Not a workbook at all: our words, not the zip library's.
    let r = t.upload(&s, &format!("{ret}/upload"), "fake.xlsx", b"PK\x03\x04 not really").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("这不是 Excel 工作簿") && !r.body.contains("EOCD"), "{}", r.body);
    // Nothing changed, and the server answers.
    assert_eq!(t.value(own, "107-2", "2025", "REVENUE", "").await, revenue);
    assert_eq!(t.get(&s, "/ping").await.status, StatusCode::OK);
}

#[test]
fn a_sheet_is_read_as_excel_shows_it() {
    use innocity_web::sheet::{Limits, Which, read};
    let xml = r#"<sheetData><row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2"><v>12.5</v></c><c r="D2" t="inlineStr"><is><t>A&amp;B</t></is></c><c r="E2" t="b"><v>1</v></c></row><row r="4"><c r="A4" t="s"><v>1</v></c></row></sheetData>"#;
    let shared = r#"<si><t>兰州新区</t></si><si><r><t>高新</t></r><r><t>区</t></r><rPh><t>こう</t></rPh></si>"#;
    let sheet =
        read(&crafted_xlsx("数据", xml, Some(shared)), Which::Named("数据"), Limits::UPLOAD)
            .unwrap();
    assert_eq!(
        (sheet.get(1, 1), sheet.get(1, 2), sheet.get(1, 3), sheet.get(1, 4)),
        ("兰州新区", "12.5", "A&B", "true")
    );
    assert_eq!(sheet.get(3, 0), "高新区");
    assert_eq!(
        sheet.dense(),
        vec![
            vec![],
            vec!["".to_string(), "兰州新区".into(), "12.5".into(), "A&B".into(), "true".into()],
            vec![],
            vec!["高新区".to_string()]
        ]
    );
    let too_many = Limits { cells: 2, ..Limits::UPLOAD };
    assert!(matches!(
        read(&crafted_xlsx("数据", xml, Some(shared)), Which::First, too_many),
        Err(innocity_web::sheet::SheetError::TooBig {
            limit: innocity_web::sheet::Limit::Cells,
            ..
        })
    ));
}

#[test]
fn odd_but_small_sheets_neither_panic_nor_blow_up() {
    use innocity_web::sheet::{Limit, Limits, SheetError, Which, read};
    let too_big = |r: Result<innocity_web::sheet::Sheet, SheetError>| match r {
        Err(SheetError::TooBig { limit, .. }) => Some(limit),
        _ => None,
    };
    // A date-formatted cell holding a number no date has: shown as the number, no panic.
    let xfs = r#"<xf numFmtId="0"/><xf numFmtId="14"/>"#;
    let dates = crafted_xlsx_styled(
        "s",
        r#"<sheetData><row r="1"><c r="A1" s="1"><v>1e12</v></c><c r="B1" s="1"><v>45838</v></c></row></sheetData>"#,
        None,
        Some(xfs),
    );
    let sheet = read(&dates, Which::First, Limits::UPLOAD).unwrap();
    assert_eq!((sheet.get(0, 0), sheet.get(0, 1)), ("1000000000000", "2025-06-30"));
    // Rows numbered to the end of u32, then a row without a number: no overflow.
    let rows = crafted_xlsx(
        "s",
        r#"<sheetData><row r="4294967295"></row><row></row><row r="2"><c r="A2"><v>1</v></c></row></sheetData>"#,
        None,
    );
    assert_eq!(read(&rows, Which::First, Limits::UPLOAD).unwrap().get(1, 0), "1");
    // One long shared string repeated in many cells: the text kept is bounded.
    let cells: String = (1..=600)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let repeated = crafted_xlsx(
        "s",
        &format!("<sheetData>{cells}</sheetData>"),
        Some(&format!("<si><t>{}</t></si>", "长".repeat(30_000))),
    );
    let small = Limits { text_bytes: 1 << 20, ..Limits::UPLOAD };
    assert_eq!(too_big(read(&repeated, Which::First, small)), Some(Limit::TextBytes));
    // A sparse sheet laid out as a grid: refused before it is filled with blanks.
    let wide: String =
        (1..=300).map(|r| format!(r#"<row r="{r}"><c r="AMJ{r}"><v>1</v></c></row>"#)).collect();
    let sheet = read(
        &crafted_xlsx("s", &format!("<sheetData>{wide}</sheetData>"), None),
        Which::First,
        Limits::UPLOAD,
    )
    .unwrap();
    assert!(matches!(
        sheet.dense_within(Limits { grid_cells: 100_000, ..Limits::UPLOAD }),
        Err(SheetError::TooBig { limit: Limit::GridCells, .. })
    ));
    assert_eq!(sheet.dense_within(Limits::UPLOAD).unwrap().len(), 300);
}
