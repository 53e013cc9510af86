//! Text analysis for the market's search: what a title, a description or a query becomes.
//!
//! Two kinds of term: jieba's search-mode words (which split long words into their parts as
//! well) and the bigrams of every run of Chinese characters. Words carry meaning where jieba
//! segments the query as it segmented the document; bigrams still match where it did not (new
//! terms, names, a query typed without the words a dictionary knows). Latin words and numbers
//! are lower-cased and full-width forms folded, so "ＬＳＴＭ" finds "LSTM".
use jieba_rs::Jieba;

/// A bigram's term is marked so that it cannot collide with a two-character word.
pub const BIGRAM_MARK: char = '\u{2}';

pub struct Analyzer {
    jieba: Jieba,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer { jieba: Jieba::new() }
    }
}

/// Whether a character is a Chinese ideograph (the CJK Unified Ideographs and extension A).
pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Full-width ASCII forms folded to ASCII and letters lower-cased.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

impl Analyzer {
    /// The words of `text` (search mode): Chinese words of two characters or more, Latin words
    /// and numbers; punctuation and single characters left to the bigrams.
    pub fn words(&self, text: &str) -> Vec<String> {
        let folded = fold(text);
        self.jieba
            .cut_for_search(&folded, true)
            .into_iter()
            .filter_map(|t| {
                let w = t.word.trim();
                let n = w.chars().count();
                let han = w.chars().any(is_han);
                let keep = if han {
                    n >= 2
                } else {
                    !w.is_empty() && w.chars().all(char::is_alphanumeric)
                };
                keep.then(|| w.to_string())
            })
            .collect()
    }

    /// Every term of `text`: its words, then the bigrams of its Chinese runs (a lone Chinese
    /// character stands as itself).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = self.words(text);
        out.extend(bigrams(&fold(text)));
        out
    }
}

/// The bigrams of each run of Chinese characters, marked with [`BIGRAM_MARK`].
pub fn bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut Vec<String>| {
        if run.len() == 1 {
            out.push(format!("{BIGRAM_MARK}{}", run[0]));
        }
        for pair in run.windows(2) {
            out.push(format!("{BIGRAM_MARK}{}{}", pair[0], pair[1]));
        }
        run.clear();
    };
    for c in text.chars() {
        if is_han(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A piece of a snippet: text, and whether it matched the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// A window of about `width` characters of `text` around its first match of any of `words`,
/// cut into pieces with the matches marked (the page escapes and highlights them).
pub fn snippet(text: &str, words: &[String], width: usize) -> Vec<Piece> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = fold(text).chars().collect();
    // `fold` maps each character to one (lower-casing may add; fall back to no marks then).
    let aligned = lower.len() == chars.len();
    let patterns: Vec<Vec<char>> = words
        .iter()
        .filter(|w| !w.starts_with(BIGRAM_MARK))
        .map(|w| w.chars().collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect();
    let mut marks = vec![false; chars.len()];
    if aligned {
        for p in &patterns {
            let mut i = 0;
            while i + p.len() <= lower.len() {
                if lower[i..i + p.len()] == p[..] {
                    marks[i..i + p.len()].iter_mut().for_each(|m| *m = true);
                    i += p.len();
                } else {
                    i += 1;
                }
            }
        }
    }
    let first = marks.iter().position(|m| *m).unwrap_or(0);
    let start = first.saturating_sub(width / 4);
    let end = (start + width).min(chars.len());
    let mut pieces: Vec<Piece> = Vec::new();
    if start > 0 {
        pieces.push(Piece { text: "…".into(), hit: false });
    }
    for i in start..end {
        match pieces.last_mut() {
            Some(p) if p.hit == marks[i] && p.text != "…" => p.text.push(chars[i]),
            _ => pieces.push(Piece { text: chars[i].to_string(), hit: marks[i] }),
        }
    }
    if end < chars.len() {
        pieces.push(Piece { text: "…".into(), hit: false });
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_bigrams_of_mixed_text() {
        let a = Analyzer::default();
        let terms = a.terms("基于ＬＳＴＭ的锂电池寿命预测");
        assert!(terms.contains(&"lstm".to_string()), "{terms:?}");
        assert!(terms.contains(&"锂电池".to_string()) || terms.contains(&"电池".to_string()));
        assert!(terms.contains(&format!("{BIGRAM_MARK}寿命")));
        assert!(!terms.iter().any(|t| t == "的"), "single characters are left to bigrams");
    }

    #[test]
    fn query_syntax_is_only_text() {
        let a = Analyzer::default();
        let terms = a.terms("\"title:(稀土 -永磁*)\" AND OR ~2 ^3 \\");
        assert!(terms.contains(&"title".to_string()));
        assert!(terms.contains(&format!("{BIGRAM_MARK}稀土")));
        assert!(terms.iter().all(|t| !t.contains(['"', '(', ':', '*'])), "{terms:?}");
        assert!(a.terms("\"\"\"***:::((( ---").is_empty());
    }

    #[test]
    fn a_snippet_marks_the_words_and_keeps_the_text() {
        let words = vec!["永磁".to_string(), "电机".to_string()];
        let text = "本文研究了一种新型稀土永磁同步电机的控制方法，实验表明效果良好。";
        let pieces = snippet(text, &words, 20);
        let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert!(joined.contains("稀土永磁同步电机"), "{joined}");
        assert!(pieces.iter().any(|p| p.hit && p.text == "永磁"));
        assert!(pieces.iter().any(|p| p.hit && p.text == "电机"));
        assert_eq!(snippet("", &words, 20), vec![]);
    }
}
