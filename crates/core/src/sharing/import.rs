//! The instrument sheet (仪器设备导入表): one instrument per row under a header of the column
//! names in Chinese or English, read with every problem's place (sheet, line, column).
use super::instruments::{CATEGORIES, InstrumentForm, InstrumentInput};
use crate::stats::long::{Place, PlaceError};

/// The columns: the form's field, the Chinese and English headers, whether it must be there.
pub const COLUMNS: [(&str, &str, &str, bool); 25] = [
    ("code", "仪器编号", "Code", true),
    ("name", "仪器名称", "Name", true),
    ("category", "仪器类别", "Category", true),
    ("model", "规格型号", "Model", false),
    ("maker", "生产厂商", "Maker", false),
    ("value_wan", "原值（万元）", "Value (10k yuan)", true),
    ("location", "安放地址", "Location", false),
    ("parameters", "主要技术指标", "Parameters", false),
    ("contact", "联系人及电话", "Contact", false),
    ("opens", "开放时间起", "Opens", true),
    ("closes", "开放时间止", "Closes", true),
    ("days", "开放日（1-7）", "Open days (1-7)", true),
    ("price_own", "本单位价格（元/小时）", "Own price (yuan/h)", true),
    ("price_academic", "高校院所价格（元/小时）", "Academic price (yuan/h)", true),
    ("price_enterprise", "企业价格（元/小时）", "Enterprise price (yuan/h)", true),
    ("price_voucher", "创新券价格（元/小时）", "Voucher price (yuan/h)", true),
    ("min_minutes", "最短预约（分钟）", "Min length (min)", true),
    ("max_minutes", "最长预约（分钟）", "Max length (min)", true),
    ("notice_hours", "提前预约（小时）", "Notice (h)", true),
    ("buffer_minutes", "间隔（分钟）", "Buffer (min)", false),
    ("approval", "需审核", "Approval", false),
    ("quota_day", "每日限额（分钟）", "Daily quota (min)", false),
    ("quota_week", "每周限额（分钟）", "Weekly quota (min)", false),
    ("quota_month", "每月限额（分钟）", "Monthly quota (min)", false),
    ("cancel_hours", "取消时限（小时）", "Cancel window (h)", false),
];

/// A category's code from its code or its Chinese or English name.
pub fn category_code(text: &str) -> String {
    let t = text.trim();
    CATEGORIES
        .iter()
        .find(|c| c.0 == t || c.1 == t || c.2.eq_ignore_ascii_case(t))
        .map_or(t, |c| c.0)
        .to_string()
}

/// A row's cells as the instrument form, by the columns found in the header.
fn form_of(row: &[String], at: &[Option<usize>]) -> InstrumentForm {
    let cell = |field: &str| {
        let k = COLUMNS.iter().position(|c| c.0 == field);
        k.and_then(|k| at[k])
            .and_then(|j| row.get(j))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    InstrumentForm {
        code: cell("code"),
        name: cell("name"),
        category: category_code(&cell("category")),
        model: cell("model"),
        maker: cell("maker"),
        value_wan: cell("value_wan"),
        location: cell("location"),
        parameters: cell("parameters"),
        contact: cell("contact"),
        opens: cell("opens"),
        closes: cell("closes"),
        days: cell("days"),
        price_own: cell("price_own"),
        price_academic: cell("price_academic"),
        price_enterprise: cell("price_enterprise"),
        price_voucher: cell("price_voucher"),
        min_minutes: cell("min_minutes"),
        max_minutes: cell("max_minutes"),
        notice_hours: cell("notice_hours"),
        buffer_minutes: cell("buffer_minutes"),
        approval: cell("approval"),
        quota_day: cell("quota_day"),
        quota_week: cell("quota_week"),
        quota_month: cell("quota_month"),
        cancel_hours: cell("cancel_hours"),
    }
}

/// The instruments of a sheet's rows (the first row is the header), or every problem found.
pub fn read_rows(
    rows: &[Vec<String>],
    sheet: &str,
) -> Result<Vec<InstrumentInput>, Vec<PlaceError>> {
    let place =
        |line: usize, column: &str| Place { sheet: sheet.into(), line, column: column.into() };
    let Some(header) = rows.first() else {
        return Err(vec![PlaceError {
            place: place(1, ""),
            key: "sharing.err.empty",
            args: vec![],
        }]);
    };
    let at: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(_, zh, en, _)| header.iter().position(|h| h.trim() == *zh || h.trim() == *en))
        .collect();
    let missing: Vec<PlaceError> = COLUMNS
        .iter()
        .zip(&at)
        .filter(|((_, _, _, required), i)| *required && i.is_none())
        .map(|((_, zh, _, _), _)| PlaceError {
            place: place(1, ""),
            key: "sharing.err.column",
            args: vec![zh.to_string()],
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut codes = std::collections::HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let form = form_of(row, &at);
        let column = |field: &str| COLUMNS.iter().find(|c| c.0 == field).map_or("", |c| c.1);
        match form.parse() {
            Ok(item) => {
                if let Some(first) = codes.insert(item.code.clone(), i + 1) {
                    errors.push(PlaceError {
                        place: place(i + 1, column("code")),
                        key: "sharing.err.code_twice",
                        args: vec![item.code.clone(), first.to_string()],
                    });
                }
                out.push(item);
            }
            Err(problems) => errors.extend(problems.into_iter().map(|p| PlaceError {
                place: place(i + 1, column(p.field)),
                key: p.key,
                args: p.args,
            })),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(PlaceError { place: place(2, ""), key: "sharing.err.empty", args: vec![] });
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}
