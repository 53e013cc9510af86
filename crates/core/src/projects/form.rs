//! A call's own application form (申报书) beyond the common part: sections of fields that bureau
//! staff write as short lines, the applicant's answers checked against them (types and lengths
//! on every save, required fields on submission), and the call's review plan (评审方案).
//!
//! The form is written one line per field, a section opened by a line starting with `#`:
//!
//! ```text
//! # 一、立项依据
//! 研究基础与现有条件 | 长文本 | 必填
//! 技术就绪度（TRL） | 数字 1-9 | 必填
//! 预期成果形式 | 选项 论文/专利/标准/新产品 | 必填
//! 合作单位 | 文本
//! 计划开始日期 | 日期
//! ```
//!
//! Kinds: 文本 (text, ≤ 200 characters), 长文本 (long text, ≤ 5,000), 数字 (number, an optional
//! range `a-b`), 日期 (date, YYYY-MM-DD), 选项 (one of the options, split by `/`). English words
//! (`text`, `longtext`, `number`, `date`, `choice`, `required`) work as well. A field's label is
//! its key: labels are unique within a form.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Text,
    LongText,
    Number { min: Option<f64>, max: Option<f64> },
    Date,
    Choice { options: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub label: String,
    #[serde(flatten)]
    pub kind: Kind,
    pub required: bool,
}

impl Field {
    /// The most characters an answer may have.
    pub fn max_chars(&self) -> usize {
        match self.kind {
            Kind::LongText => 5000,
            _ => 200,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub fields: Vec<Field>,
}

/// A mistake in a form's text: the line (from 1), a message code and its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub line: usize,
    /// kind, range, options, duplicate, label, empty_section, too_many
    pub code: &'static str,
    pub arg: String,
}

/// The section fields written before any `#` line go into.
pub const DEFAULT_SECTION: &str = "补充信息";

/// Reads a form from its lines; every problem is named by its line.
pub fn parse(text: &str) -> Result<Vec<Section>, SpecError> {
    let mut sections: Vec<(usize, Section)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut fields = 0;
    for (i, raw) in text.lines().enumerate() {
        let at = At(i + 1);
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(title) = line.strip_prefix('#') {
            let title = title.trim_start_matches('#').trim();
            if title.is_empty() {
                return Err(at.err("label", ""));
            }
            sections.push((at.0, Section { title: title.to_string(), fields: vec![] }));
            continue;
        }
        let field = at.field(line, &mut seen)?;
        fields += 1;
        if fields > 100 {
            return Err(at.err("too_many", "100"));
        }
        match sections.last_mut() {
            Some((_, s)) => s.fields.push(field),
            None => sections
                .push((at.0, Section { title: DEFAULT_SECTION.to_string(), fields: vec![field] })),
        }
    }
    if let Some((line, s)) = sections.iter().find(|(_, s)| s.fields.is_empty()) {
        return Err(SpecError { line: *line, code: "empty_section", arg: s.title.clone() });
    }
    Ok(sections.into_iter().map(|(_, s)| s).collect())
}

/// A line of the form's text (from 1), which its errors name.
#[derive(Clone, Copy)]
struct At(usize);

impl At {
    fn err(self, code: &'static str, arg: &str) -> SpecError {
        SpecError { line: self.0, code, arg: arg.to_string() }
    }

    /// A field's line: `label | kind [details] | flags…`, its label not `seen` before.
    fn field(
        self,
        line: &str,
        seen: &mut std::collections::HashSet<String>,
    ) -> Result<Field, SpecError> {
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        let label = parts[0];
        if label.is_empty() || label.chars().count() > 60 {
            return Err(self.err("label", label));
        }
        if !seen.insert(label.to_string()) {
            return Err(self.err("duplicate", label));
        }
        let kind = self.kind(parts.get(1).copied().unwrap_or("文本"))?;
        let mut required = false;
        for flag in parts.iter().skip(2) {
            match flag.to_lowercase().as_str() {
                "必填" | "required" => required = true,
                "选填" | "optional" | "" => {}
                other => return Err(self.err("flag", other)),
            }
        }
        Ok(Field { label: label.to_string(), kind, required })
    }

    /// A kind word and its details (a number's range, a choice's options).
    fn kind(self, kind_text: &str) -> Result<Kind, SpecError> {
        let (word, rest) = match kind_text.split_once(char::is_whitespace) {
            Some((w, r)) => (w, r.trim()),
            None => (kind_text, ""),
        };
        Ok(match word.to_lowercase().as_str() {
            "文本" | "text" | "" => Kind::Text,
            "长文本" | "longtext" => Kind::LongText,
            "日期" | "date" => Kind::Date,
            "数字" | "number" => {
                let (min, max) = self.range(rest)?;
                Kind::Number { min, max }
            }
            "选项" | "choice" => {
                let options: Vec<String> = rest
                    .split(['/', '／', '、'])
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(String::from)
                    .collect();
                if options.len() < 2 {
                    return Err(self.err("options", rest));
                }
                Kind::Choice { options }
            }
            other => return Err(self.err("kind", other)),
        })
    }

    /// A number's range `min-max` (either side may be empty); none when `rest` is empty.
    fn range(self, rest: &str) -> Result<(Option<f64>, Option<f64>), SpecError> {
        if rest.is_empty() {
            return Ok((None, None));
        }
        let (a, b) =
            rest.split_once(['-', '~', '～', '—']).ok_or_else(|| self.err("range", rest))?;
        let num = |s: &str| -> Result<Option<f64>, SpecError> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                s.trim().parse::<f64>().map(Some).map_err(|_| self.err("range", rest))
            }
        };
        let (min, max) = (num(a)?, num(b)?);
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            return Err(self.err("range", rest));
        }
        Ok((min, max))
    }
}

/// Writes a form back as the lines [`parse`] reads.
pub fn to_text(form: &[Section]) -> String {
    let mut out = String::new();
    for s in form {
        out.push_str(&format!("# {}\n", s.title));
        for f in &s.fields {
            let kind = match &f.kind {
                Kind::Text => "文本".to_string(),
                Kind::LongText => "长文本".to_string(),
                Kind::Date => "日期".to_string(),
                Kind::Number { min: None, max: None } => "数字".to_string(),
                Kind::Number { min, max } => format!(
                    "数字 {}-{}",
                    min.map(|v| v.to_string()).unwrap_or_default(),
                    max.map(|v| v.to_string()).unwrap_or_default()
                ),
                Kind::Choice { options } => format!("选项 {}", options.join("/")),
            };
            out.push_str(&format!(
                "{} | {}{}\n",
                f.label,
                kind,
                if f.required { " | 必填" } else { "" }
            ));
        }
    }
    out
}

/// An answer that does not fit its field: the field's label, a message code and its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    pub field: String,
    /// required, too_long, number, range, date, choice, unknown
    pub code: &'static str,
    pub arg: String,
}

/// Checks answers against the form: what is typed must fit its field on every save; required
/// fields must be filled when `submitting`. Returns every problem, in the form's order.
pub fn check_answers(
    form: &[Section],
    answers: &BTreeMap<String, String>,
    submitting: bool,
) -> Vec<AnswerError> {
    let mut out = Vec::new();
    let fields: Vec<&Field> = form.iter().flat_map(|s| &s.fields).collect();
    for key in answers.keys() {
        if !fields.iter().any(|f| &f.label == key) {
            out.push(AnswerError { field: key.clone(), code: "unknown", arg: String::new() });
        }
    }
    for f in fields {
        let v = answers.get(&f.label).map(|s| s.trim()).unwrap_or("");
        let err =
            |code: &'static str, arg: String| AnswerError { field: f.label.clone(), code, arg };
        if v.is_empty() {
            if submitting && f.required {
                out.push(err("required", String::new()));
            }
            continue;
        }
        if v.chars().count() > f.max_chars() {
            out.push(err("too_long", f.max_chars().to_string()));
            continue;
        }
        match &f.kind {
            Kind::Text | Kind::LongText => {}
            Kind::Number { min, max } => match v.replace([',', '，'], "").parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
                        let show = |o: &Option<f64>| o.map(|v| v.to_string()).unwrap_or_default();
                        out.push(err("range", format!("{}–{}", show(min), show(max))));
                    }
                }
                _ => out.push(err("number", v.to_string())),
            },
            Kind::Date => {
                if NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() {
                    out.push(err("date", v.to_string()));
                }
            }
            Kind::Choice { options } => {
                if !options.iter().any(|o| o == v) {
                    out.push(err("choice", options.join("、")));
                }
            }
        }
    }
    out
}

/// How a call's applications are reviewed after the formal check (形式审查): an expert round of
/// remote review (通讯评审) and/or a panel (会议评审), the department review (部门审核), then the
/// decision meeting (决策). Staff open each round from the call; the plan gives its defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewPlan {
    /// Experts per application in the remote review; 0 = no remote review.
    pub remote_experts: u32,
    /// Experts on the panel; 0 = no panel.
    pub panel_experts: u32,
    /// The panel's experts are drawn at random (随机抽取) rather than assigned by affinity.
    pub panel_drawn: bool,
    /// How many of the best-ranked applications go on to the panel (0 = all).
    pub panel_shortlist: u32,
    pub department_review: bool,
}

impl Default for ReviewPlan {
    fn default() -> Self {
        ReviewPlan {
            remote_experts: 5,
            panel_experts: 0,
            panel_drawn: true,
            panel_shortlist: 0,
            department_review: true,
        }
    }
}

impl ReviewPlan {
    /// A plan must review with experts somehow, with panels and rounds of sensible size.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.remote_experts == 0 && self.panel_experts == 0 {
            return Err("no_experts");
        }
        if self.remote_experts > 15 {
            return Err("remote_experts");
        }
        if self.panel_experts > 0 && !(3..=15).contains(&self.panel_experts) {
            return Err("panel_experts");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "# 一、立项依据\n研究基础与现有条件 | 长文本 | 必填\n技术就绪度（TRL） | 数字 1-9 | 必填\n\n# 二、预期成果\n预期成果形式 ｜ 选项 论文/专利/标准/新产品 ｜ 必填\n合作单位 | 文本\n计划开始日期 | 日期\n";

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_form_reads_into_sections_and_back() {
        let form = parse(SPEC).unwrap();
        assert_eq!(form.len(), 2);
        assert_eq!(form[0].title, "一、立项依据");
        assert_eq!(
            form[0].fields[1],
            Field {
                label: "技术就绪度（TRL）".into(),
                kind: Kind::Number { min: Some(1.0), max: Some(9.0) },
                required: true
            }
        );
        assert_eq!(
            form[1].fields[0].kind,
            Kind::Choice {
                options: vec!["论文".into(), "专利".into(), "标准".into(), "新产品".into()]
            }
        );
        assert!(!form[1].fields[1].required);
        assert_eq!(parse(&to_text(&form)).unwrap(), form);
        assert_eq!(parse("").unwrap(), vec![]);
        assert_eq!(parse("联系人 | text | required").unwrap()[0].title, DEFAULT_SECTION);
    }

    #[test]
    fn mistakes_in_a_form_name_their_line() {
        let e = parse("# 一\n甲 | 文本\n乙 | 表格\n").unwrap_err();
        assert_eq!((e.line, e.code, e.arg.as_str()), (3, "kind", "表格"));
        assert_eq!(parse("甲 | 数字 9-1").unwrap_err().code, "range");
        assert_eq!(parse("甲 | 数字 一到九").unwrap_err().code, "range");
        assert_eq!(parse("甲 | 选项 是").unwrap_err().code, "options");
        let e = parse("甲\n# 二\n甲 | 日期").unwrap_err();
        assert_eq!((e.line, e.code), (3, "duplicate"));
        assert_eq!(parse("甲 | 文本 | 必须").unwrap_err().code, "flag");
        let e = parse("# 空的\n# 二\n乙").unwrap_err();
        assert_eq!((e.line, e.code), (1, "empty_section"));
    }

    #[test]
    fn answers_fit_their_fields_and_required_ones_wait_for_submission() {
        let form = parse(SPEC).unwrap();
        assert!(check_answers(&form, &answers(&[]), false).is_empty(), "a draft may be empty");
        let missing = check_answers(&form, &answers(&[]), true);
        assert_eq!(
            missing.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["研究基础与现有条件", "技术就绪度（TRL）", "预期成果形式"]
        );
        assert!(missing.iter().all(|e| e.code == "required"));
        let bad = check_answers(
            &form,
            &answers(&[
                ("技术就绪度（TRL）", "12"),
                ("预期成果形式", "软件"),
                ("计划开始日期", "2026-13-01"),
                ("合作单位", &"院".repeat(201)),
                ("经费来源", "x"),
            ]),
            false,
        );
        let codes: Vec<(&str, &str)> = bad.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            [
                ("经费来源", "unknown"),
                ("技术就绪度（TRL）", "range"),
                ("预期成果形式", "choice"),
                ("合作单位", "too_long"),
                ("计划开始日期", "date")
            ]
        );
        assert_eq!(
            check_answers(&form, &answers(&[("技术就绪度（TRL）", "七")]), false)[0].code,
            "number"
        );
        let good = answers(&[
            ("研究基础与现有条件", "已建成省级重点实验室。"),
            ("技术就绪度（TRL）", "6"),
            ("预期成果形式", "专利"),
            ("计划开始日期", "2027-01-01"),
        ]);
        assert!(check_answers(&form, &good, true).is_empty());
    }

    #[test]
    fn a_review_plan_reviews_with_experts() {
        assert!(ReviewPlan::default().check().is_ok());
        assert_eq!(
            ReviewPlan { remote_experts: 0, panel_experts: 0, ..Default::default() }.check(),
            Err("no_experts")
        );
        assert_eq!(
            ReviewPlan { panel_experts: 2, ..Default::default() }.check(),
            Err("panel_experts")
        );
        assert_eq!(
            ReviewPlan { panel_experts: 16, ..Default::default() }.check(),
            Err("panel_experts"),
            "a round takes at most 15 experts per item"
        );
        assert!(
            ReviewPlan { remote_experts: 0, panel_experts: 7, ..Default::default() }
                .check()
                .is_ok()
        );
    }
}
