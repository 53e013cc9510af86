//! Affinity of reviewers to items: BM25 of the item's text against each expert's fields,
//! keywords and publications, tokenised by jieba (Chinese words; Latin words lower-cased), with a
//! bonus when the item's field is one of the expert's. Scores are kept for each item's top experts
//! only, as OpenReview does.
use std::collections::HashMap;

pub struct Doc {
    pub id: String,
    /// Discipline codes (the expert's fields; the item's own field).
    pub fields: Vec<String>,
    pub text: String,
}

/// BM25's usual constants.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Words that say nothing about a topic.
const STOP: &[&str] = &[
    "研究", "方法", "分析", "基于", "结果", "表明", "进行", "提出", "采用", "通过", "一种", "以及",
    "及其", "对于", "我们", "本文", "利用", "应用", "具有", "问题", "the", "and", "of", "for",
    "with", "in", "on", "to", "a", "an",
];

pub struct Tokenizer(jieba_rs::Jieba);

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer(jieba_rs::Jieba::new())
    }
}

impl Tokenizer {
    /// Words of two characters or more (and Latin words), lower-cased, stop words out.
    pub fn words(&self, text: &str) -> Vec<String> {
        self.0
            .cut(text, false)
            .into_iter()
            .map(|w| w.word.trim().to_lowercase())
            .filter(|w| {
                let n = w.chars().count();
                let cjk = w.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                (if cjk { n >= 2 } else { n >= 3 && w.chars().all(|c| c.is_alphanumeric()) })
                    && !STOP.contains(&w.as_str())
            })
            .collect()
    }
}

/// For every item, its `top` experts by score: (item index, expert index, score).
pub fn affinities(
    tok: &Tokenizer,
    items: &[Doc],
    experts: &[Doc],
    top: usize,
    field_bonus: f32,
) -> Vec<(usize, usize, f32)> {
    // The experts' inverted index: term → (expert, term frequency).
    let mut vocab: HashMap<String, usize> = HashMap::new();
    let mut postings: Vec<Vec<(u32, u16)>> = Vec::new();
    let mut lengths = Vec::with_capacity(experts.len());
    for (e, d) in experts.iter().enumerate() {
        let words = tok.words(&d.text);
        lengths.push(words.len() as f32);
        let mut tf: HashMap<usize, u16> = HashMap::new();
        for w in words {
            let next = vocab.len();
            let t = *vocab.entry(w).or_insert(next);
            if t == postings.len() {
                postings.push(Vec::new());
            }
            *tf.entry(t).or_insert(0) += 1;
        }
        for (t, n) in tf {
            postings[t].push((e as u32, n));
        }
    }
    let n = experts.len() as f32;
    let avg = (lengths.iter().sum::<f32>() / n.max(1.0)).max(1.0);
    let idf: Vec<f32> = postings
        .iter()
        .map(|p| (1.0 + (n - p.len() as f32 + 0.5) / (p.len() as f32 + 0.5)).ln())
        .collect();
    let norm: Vec<f32> = lengths.iter().map(|l| K1 * (1.0 - B + B * l / avg)).collect();
    let mut out = Vec::with_capacity(items.len() * top.min(experts.len()));
    let mut acc = vec![0f32; experts.len()];
    for (i, item) in items.iter().enumerate() {
        acc.iter_mut().for_each(|a| *a = 0.0);
        let mut query: HashMap<usize, u16> = HashMap::new();
        for w in tok.words(&item.text) {
            if let Some(&t) = vocab.get(&w) {
                *query.entry(t).or_insert(0) += 1;
            }
        }
        for (&t, &qtf) in &query {
            for &(e, tf) in &postings[t] {
                let tf = tf as f32;
                acc[e as usize] +=
                    idf[t] * tf * (K1 + 1.0) / (tf + norm[e as usize]) * (qtf as f32).sqrt();
            }
        }
        for (e, d) in experts.iter().enumerate() {
            if item.fields.iter().any(|f| d.fields.contains(f)) {
                acc[e] += field_bonus;
            }
        }
        let mut order: Vec<usize> = (0..experts.len()).collect();
        let k = top.min(order.len());
        if k == 0 {
            continue;
        }
        order.select_nth_unstable_by(k - 1, |a, b| acc[*b].total_cmp(&acc[*a]).then(a.cmp(b)));
        order.truncate(k);
        order.sort_by(|a, b| acc[*b].total_cmp(&acc[*a]).then(a.cmp(b)));
        out.extend(order.into_iter().map(|e| (i, e, acc[e])));
    }
    out
}

/// Reads documents from CSV (`id, fields, text`; fields separated by `;`). Problems name the line.
pub fn read_docs(text: &str) -> Result<Vec<Doc>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let head: Vec<String> =
        r.headers().map_err(|e| format!("line 1: {e}"))?.iter().map(String::from).collect();
    let col = |n: &str| {
        head.iter().position(|h| h == n).ok_or_else(|| format!("line 1: missing column {n}"))
    };
    let (ci, cf, ct) = (col("id")?, col("fields")?, col("text")?);
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (k, rec) in r.records().enumerate() {
        let line = k + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let id = rec.get(ci).unwrap_or("").to_string();
        if id.is_empty() || !seen.insert(id.clone()) {
            return Err(format!("line {line}, column id: empty or duplicate id '{id}'"));
        }
        let fields = rec
            .get(cf)
            .unwrap_or("")
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect();
        out.push(Doc { id, fields, text: rec.get(ct).unwrap_or("").to_string() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, fields: &[&str], text: &str) -> Doc {
        Doc {
            id: id.into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            text: text.into(),
        }
    }

    #[test]
    fn the_expert_who_writes_about_the_topic_ranks_first() {
        let tok = Tokenizer::default();
        let experts = vec![
            doc("E1", &["0805"], "稀土永磁材料的制备与磁性能研究；钕铁硼磁体晶界扩散"),
            doc("E2", &["1002"], "中药复方治疗慢性胃炎的临床疗效观察"),
            doc("E3", &["0811"], "风电机组变桨控制与电网调度"),
        ];
        let items = vec![
            doc("P1", &["0805"], "高性能钕铁硼稀土永磁材料晶界扩散技术开发"),
            doc("P2", &["1002"], "慢性胃炎中药复方的疗效评价"),
        ];
        let s = affinities(&tok, &items, &experts, 2, 0.5);
        assert_eq!(s.len(), 4, "the top two experts of each item");
        assert_eq!((s[0].0, s[0].1), (0, 0));
        assert_eq!((s[2].0, s[2].1), (1, 1));
        assert!(s[0].2 > s[1].2 && s[0].2 > 1.0);
        assert!(tok.words("基于深度学习的方法研究").iter().all(|w| w != "研究" && w != "基于"));
    }
}
