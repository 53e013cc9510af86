//! HTTP helpers every area shares: file downloads, multipart uploads, and lists exported as
//! XLSX.
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file download with a UTF-8 file name.
/// A workbook as a download; one that failed to build is logged and answered as an internal
/// error (the request-context layer adds the request id).
pub fn xlsx_download<E: std::fmt::Display>(
    built: Result<Vec<u8>, E>,
    name: &str,
) -> AppResult<Response> {
    match built {
        Ok(bytes) => Ok(download(bytes, name, XLSX)),
        Err(e) => {
            tracing::error!(error = %e, "xlsx export");
            Err(AppError::internal(""))
        }
    }
}

pub fn download(bytes: Vec<u8>, name: &str, mime: &'static str) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Where to go after a write: for htmx a 200 with `HX-Redirect` (a redirect would be followed
/// inside the request and the whole next page swapped into the form's target), else a 303.
pub fn go_to(ctx: &Ctx, to: &str) -> Response {
    if ctx.htmx {
        ([("HX-Redirect", to.to_string())], StatusCode::OK).into_response()
    } else {
        axum::response::Redirect::to(to).into_response()
    }
}

/// The file of a multipart upload (field `file`).
pub async fn read_upload(ctx: &Ctx, req: axum::extract::Request) -> AppResult<(String, Vec<u8>)> {
    use axum::extract::FromRequest;
    let bad =
        |key: &'static str| ctx.err(AppError::new(StatusCode::BAD_REQUEST, "bad_upload", key));
    let mut mp = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|_| bad("err.file.missing"))?;
    while let Some(field) = mp.next_field().await.map_err(|_| bad("err.file.missing"))? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| bad("err.file.missing"))?;
            if name.is_empty() || bytes.is_empty() {
                return Err(bad("err.file.missing"));
            }
            if crate::guard::forbidden(&name) {
                return Err(ctx.err(
                    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "err.control_in")
                        .args(vec!["file".into()]),
                ));
            }
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(bad("err.file.missing"))
}

/// A cell of an exported list: text, or money in fen shown in 万元.
#[derive(Debug, Clone)]
pub enum TableCell {
    Text(String),
    Wan(i64),
    /// Money in fen shown in 元 to the fen (statements, invoices).
    Yuan(i64),
    Int(i64),
    /// A measure to one decimal (hours, shares in %, scores).
    Real(f64),
    /// A figure to two decimals with thousands separators (indicator values).
    Decimal(f64),
}

/// A sheet of a workbook with its own columns.
pub struct Sheet {
    pub name: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
}

/// Any list as an XLSX download: a bold header row, money in 万元 with two decimals.
pub fn table(
    sheet: &str,
    head: &[&str],
    rows: &[Vec<TableCell>],
    file: &str,
) -> AppResult<Response> {
    tables(&[(sheet.to_string(), rows.to_vec())], head, file)
}

/// Several lists with the same columns as one workbook, a sheet each.
pub fn tables(
    sheets: &[(String, Vec<Vec<TableCell>>)],
    head: &[&str],
    file: &str,
) -> AppResult<Response> {
    let head: Vec<String> = head.iter().map(|h| h.to_string()).collect();
    let sheets: Vec<Sheet> = sheets
        .iter()
        .map(|(name, rows)| Sheet { name: name.clone(), head: head.clone(), rows: rows.clone() })
        .collect();
    workbook(&sheets, file)
}

/// Sheets, each with its columns, as one workbook: a bold header row, money in 万元 with two
/// decimals.
pub fn workbook(sheets: &[Sheet], file: &str) -> AppResult<Response> {
    let bytes = (|| -> Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold().set_background_color("DCE6F1");
        let money = Format::new().set_num_format("#,##0.00");
        let one_decimal = Format::new().set_num_format("0.0");
        for sheet in sheets {
            let ws = wb.add_worksheet();
            ws.set_name(&sheet.name)?;
            for (c, h) in sheet.head.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, h, &bold)?;
            }
            for (r, row) in sheet.rows.iter().enumerate() {
                let r = r as u32 + 1;
                for (c, cell) in row.iter().enumerate() {
                    let c = c as u16;
                    match cell {
                        TableCell::Text(s) => ws.write_string(r, c, s)?,
                        TableCell::Wan(fen) => {
                            ws.write_number_with_format(r, c, *fen as f64 / 1_000_000.0, &money)?
                        }
                        TableCell::Yuan(fen) => {
                            ws.write_number_with_format(r, c, *fen as f64 / 100.0, &money)?
                        }
                        TableCell::Int(n) => ws.write_number(r, c, *n as f64)?,
                        TableCell::Real(x) => {
                            ws.write_number_with_format(r, c, *x, &one_decimal)?
                        }
                        TableCell::Decimal(x) => ws.write_number_with_format(r, c, *x, &money)?,
                    };
                }
            }
            ws.set_column_width(1, 50)?;
        }
        wb.save_to_buffer()
    })();
    xlsx_download(bytes, file)
}
