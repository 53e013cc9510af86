//! Text no field may carry: control characters (NUL above all) other than tab and line breaks.
//! PostgreSQL refuses NUL in text and SQLite keeps it, so the two would disagree and a backup
//! of one would not restore into the other; they are refused here, at the edge, for every
//! query, form and JSON body, naming the field.

/// Whether a text holds a character no field takes.
pub fn forbidden(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The first field (query parameter, form field, JSON key path, or `path`) of a request that
/// holds a forbidden character.
pub fn first_bad_field(path: &str, query: &str, content_type: &str, body: &[u8]) -> Option<String> {
    if forbidden(&percent_decoded(path)) {
        return Some("path".into());
    }
    if let Some(f) = bad_pair(query) {
        return Some(f);
    }
    if content_type.starts_with("multipart/form-data") {
        // Files may hold any byte; their names are checked where the upload is read.
        return None;
    }
    if content_type.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        return bad_in_json(&value, "");
    }
    // Forms are parsed whatever their declared type, so every other body is read as one.
    std::str::from_utf8(body).ok().and_then(bad_pair)
}

fn bad_pair(encoded: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(encoded).ok()?;
    pairs
        .into_iter()
        .find(|(k, v)| forbidden(k) || forbidden(v))
        .map(|(k, _)| if forbidden(&k) { "?".into() } else { k })
}

fn bad_in_json(v: &serde_json::Value, at: &str) -> Option<String> {
    match v {
        serde_json::Value::String(s) if forbidden(s) => {
            Some(if at.is_empty() { "body".into() } else { at.to_string() })
        }
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, x)| bad_in_json(x, &format!("{at}[{i}]")))
        }
        serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
            let here = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
            if forbidden(k) { Some(here) } else { bad_in_json(x, &here) }
        }),
        _ => None,
    }
}

/// `%00` and friends decoded (bytes that are not UTF-8 are kept as replacement characters).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_where_they_hide() {
        assert!(!forbidden("兰州新区\t第一行\n第二行\r\n"));
        assert!(forbidden("a\0b") && forbidden("\u{1b}[31m") && forbidden("\u{85}"));
        let form = "application/x-www-form-urlencoded";
        assert_eq!(first_bad_field("/orgs", "q=%00", "", b""), Some("q".into()));
        assert_eq!(
            first_bad_field("/orgs", "", form, b"name=ok&address=%E5%85%B0%00"),
            Some("address".into())
        );
        assert_eq!(first_bad_field("/orgs", "", form, b"text=line%0Aline%09tab"), None);
        assert_eq!(first_bad_field("/x%00y", "", "", b""), Some("path".into()));
        assert_eq!(
            first_bad_field(
                "/api",
                "",
                "application/json",
                br#"{"org":{"names":["ok","a\u0000"]}}"#
            ),
            Some("org.names[1]".into())
        );
        assert_eq!(first_bad_field("/api", "", "application/json", b"not json"), None);
        assert_eq!(
            first_bad_field("/up", "", "multipart/form-data; boundary=x", b"\0\0binary"),
            None
        );
        assert_eq!(
            first_bad_field("/applications/1", "", "text/plain", b"title=a%00b"),
            Some("title".into())
        );
    }
}
