//! UI text from message files (`messages/zh.toml`, `messages/en.toml`), Simplified Chinese first.
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
    /// The text in this language, of a pair stored side by side (`name_zh`, `name_en`).
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
    /// The first language of an `Accept-Language` header that we have (by q order).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut langs: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        langs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        langs.into_iter().find_map(|(_, tag)| {
            let primary = tag.split('-').next().unwrap_or(tag);
            Lang::parse(primary)
        })
    }
}

type Messages = HashMap<String, String>;

fn load(src: &str) -> Messages {
    // The files are ours and parsed by a test; an unreadable file would show keys, not crash.
    toml::from_str::<HashMap<String, String>>(src).unwrap_or_default()
}

fn messages(lang: Lang) -> &'static Messages {
    static ZH: OnceLock<Messages> = OnceLock::new();
    static EN: OnceLock<Messages> = OnceLock::new();
    match lang {
        Lang::Zh => ZH.get_or_init(|| load(include_str!("../messages/zh.toml"))),
        Lang::En => EN.get_or_init(|| load(include_str!("../messages/en.toml"))),
    }
}

/// The text for `key`, if there is one.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    messages(lang).get(key).map(String::as_str)
}

/// The text for `key`, or the key itself when a message is missing (a test keeps both files
/// whole). Missing keys are kept once each, and only a few hundred of them, so keys built from
/// what a request carries can never use up memory.
pub fn t(lang: Lang, key: &str) -> &'static str {
    if let Some(s) = lookup(lang, key) {
        return s;
    }
    static MISSING: OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut missing =
        MISSING.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = missing.get(key) {
        return s;
    }
    if missing.len() >= 256 {
        return "—";
    }
    let s: &'static str = Box::leak(key.to_string().into_boxed_str());
    missing.insert(key.to_string(), s);
    s
}

/// The text for `key` with `{0}`, `{1}` ... replaced by `args`.
pub fn tf(lang: Lang, key: &str, args: &[String]) -> String {
    let template = t(lang, key);
    let mut out =
        String::with_capacity(template.len() + args.iter().map(String::len).sum::<usize>());
    let mut rest = template;
    // One pass: `{n}` with an argument n is replaced; anything else is kept as written.
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let arg = close.and_then(|c| after[..c].parse::<usize>().ok()).and_then(|n| args.get(n));
        match (arg, close) {
            (Some(a), Some(c)) => {
                out.push_str(a);
                rest = &after[c + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_go_into_their_places_once() {
        // A key without a message reads as itself: a template to fill.
        let args = ["甲".to_string(), "{1}".to_string()];
        assert_eq!(
            tf(Lang::Zh, "tf.test {0}、{1}、{0} {x} {9} {", &args),
            "tf.test 甲、{1}、甲 {x} {9} {"
        );
        assert_eq!(tf(Lang::Zh, "subj.wan", &["25.2".into()]), "25.2 万元");
    }

    #[test]
    fn both_files_parse_and_have_the_same_keys() {
        let zh: Messages = toml::from_str(include_str!("../messages/zh.toml")).unwrap();
        let en: Messages = toml::from_str(include_str!("../messages/en.toml")).unwrap();
        let mut a: Vec<_> = zh.keys().collect();
        let mut b: Vec<_> = en.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(zh.len() > 100);
    }

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr;q=1,zh-CN;q=0.5"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("de"), None);
        assert_eq!(tf(Lang::En, "orgs.total", &["5".into()]), "5 in total");
    }
}
