//! Reading achievements from a TSV file (`innocity market import`): a header row naming at
//! least `id, title, abstract, keywords` (`discipline`, `category` optional, others ignored),
//! one achievement a line. The whole file is refused when any line is bad, each problem named
//! by its line and column.
use crate::stats::long::{MAX_ERRORS, Place, PlaceError, utf8_text};

/// The columns a file must have.
pub const REQUIRED: &[&str] = &["id", "title", "abstract", "keywords"];

/// One achievement as read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The file's line (1 is the header).
    pub line: usize,
    pub external_id: String,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub discipline: String,
    pub category: String,
}

/// Characters a title may hold.
pub const TITLE_CHARS: usize = 200;

fn at(line: usize, column: &str, key: &'static str, args: Vec<String>) -> PlaceError {
    PlaceError { place: Place { sheet: String::new(), line, column: column.into() }, key, args }
}

/// Reads the file, or every problem in it (at most [`MAX_ERRORS`]).
pub fn parse_tsv(bytes: &[u8]) -> Result<Vec<Imported>, Vec<PlaceError>> {
    let text = utf8_text(bytes)?;
    // Tab-separated without quoting: a line is a record, so lines are counted exactly.
    let mut lines = text.lines().enumerate();
    let header: Vec<String> = match lines.next() {
        Some((_, h)) => h.split('\t').map(|c| c.trim().to_lowercase()).collect(),
        None => vec![],
    };
    let missing: Vec<&str> =
        REQUIRED.iter().copied().filter(|c| !header.iter().any(|h| h == c)).collect();
    if !missing.is_empty() {
        return Err(vec![at(1, "", "err.file.columns", vec![missing.join("、")])]);
    }
    let column = |name: &str| header.iter().position(|h| h == name);
    let [id, title, abstract_, keywords] = [0, 1, 2, 3].map(|i| column(REQUIRED[i]).unwrap_or(0));
    let (discipline, category) = (column("discipline"), column("category"));
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut first_line: std::collections::HashMap<String, usize> = Default::default();
    for (i, text) in lines {
        let line = i + 1;
        if text.trim().is_empty() {
            continue;
        }
        let r: Vec<&str> = text.split('\t').collect();
        let cell = |c: Option<usize>| c.and_then(|c| r.get(c)).map_or("", |v| v.trim()).to_string();
        let item = Imported {
            line,
            external_id: cell(Some(id)),
            title: cell(Some(title)),
            description: cell(Some(abstract_)),
            keywords: cell(Some(keywords))
                .split([';', '；'])
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(String::from)
                .collect(),
            discipline: cell(discipline),
            category: cell(category),
        };
        if item.external_id.is_empty() {
            errors.push(at(line, "id", "err.market.empty_id", vec![]));
        } else if let Some(first) = first_line.insert(item.external_id.clone(), line) {
            errors.push(at(
                line,
                "id",
                "err.market.repeated_id",
                vec![item.external_id.clone(), first.to_string()],
            ));
        }
        if item.title.is_empty() {
            errors.push(at(line, "title", "err.market.empty_title", vec![]));
        } else if item.title.chars().count() > TITLE_CHARS {
            errors.push(at(line, "title", "err.market.long_title", vec![TITLE_CHARS.to_string()]));
        }
        if errors.len() >= MAX_ERRORS {
            break;
        }
        out.push(item);
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "id\ttitle\tabstract\tkeywords\tdiscipline\tcategory\textra\n";

    #[test]
    fn a_good_file_reads_every_line() {
        let file = format!(
            "\u{feff}{HEAD}csl-1\t一种稀土永磁电机\t摘要，含\"引号\"\t稀土;永磁；电机\t电气工程\t工学\tx\n\ncsl-2\tLSTM 预测\t\t\t\t\t\n"
        );
        let got = parse_tsv(file.as_bytes()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].keywords, vec!["稀土", "永磁", "电机"]);
        assert_eq!(got[0].description, "摘要，含\"引号\"");
        assert_eq!(got[1].line, 4);
        assert_eq!(got[1].discipline, "");
    }

    #[test]
    fn bad_files_name_the_line_and_column() {
        let e = parse_tsv("id\ttitle\n1\tx\n".as_bytes()).unwrap_err();
        assert_eq!((e[0].key, e[0].args[0].as_str()), ("err.file.columns", "abstract、keywords"));
        let file = format!("{HEAD}a\t\tx\tk\t\t\t\n\tt\tx\tk\t\t\t\na\tt\tx\tk\t\t\t\n");
        let e = parse_tsv(file.as_bytes()).unwrap_err();
        let places: Vec<(usize, &str, &str)> =
            e.iter().map(|e| (e.place.line, e.place.column.as_str(), e.key)).collect();
        assert_eq!(
            places,
            vec![
                (2, "title", "err.market.empty_title"),
                (3, "id", "err.market.empty_id"),
                (4, "id", "err.market.repeated_id"),
            ]
        );
        let mut bytes = HEAD.as_bytes().to_vec();
        bytes.extend_from_slice(b"a\tt\t\xff\tk\n");
        assert_eq!(parse_tsv(&bytes).unwrap_err()[0].place.line, 2);
        let long = "长".repeat(TITLE_CHARS + 1);
        let e = parse_tsv(format!("{HEAD}a\t{long}\tx\tk\n").as_bytes()).unwrap_err();
        assert_eq!(e[0].key, "err.market.long_title");
    }
}
