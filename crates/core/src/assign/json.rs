//! The contract's JSON read as it streams and written straight out: ids stay borrowed from the
//! input text (copied only when they hold escapes), each score becomes two numbers as it is read,
//! so a million pairs cost no allocation each and reading does not dominate the solve.
use super::input::{PairRef, Raw};
use super::repair::{Repaired, Why};
use super::{InputError, Problem, Solved};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Why an instance could not be read: bad JSON (where), or a broken rule of the contract.
#[derive(Debug)]
pub enum ReadError {
    Syntax { line: usize, column: usize, message: String },
    Input(InputError),
}

/// Reads and checks an instance.
pub fn read(text: &str) -> Result<Problem<'_>, ReadError> {
    let mut raw = Raw::default();
    // A score line takes 50 bytes or more: reserving for that many (address space only, not
    // memory until used) spares the list its copies as it grows.
    raw.scores.reserve(text.len() / 50);
    let mut de = serde_json::Deserializer::from_str(text);
    let syntax = |e: serde_json::Error| ReadError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };
    Top(&mut raw).deserialize(&mut de).map_err(syntax)?;
    de.end().map_err(syntax)?;
    raw.check().map_err(ReadError::Input)
}

#[derive(Deserialize)]
struct ItemRow<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    demand: i64,
}

#[derive(Deserialize)]
struct ExpertRow<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    max_load: i64,
    #[serde(default)]
    min_load: i64,
}

#[derive(Deserialize)]
struct ScoreRow<'a> {
    #[serde(borrow)]
    item: Cow<'a, str>,
    #[serde(borrow)]
    expert: Cow<'a, str>,
    score: f64,
}

/// A conflict or forced pair (its reason is for people, not for the solver).
#[derive(Deserialize)]
struct PairRow<'a> {
    #[serde(borrow)]
    item: Cow<'a, str>,
    #[serde(borrow)]
    expert: Cow<'a, str>,
}

/// The top-level object: each list read into the raw instance as it streams.
struct Top<'r, 'a>(&'r mut Raw<'a>);

impl<'de> DeserializeSeed<'de> for Top<'_, 'de> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with items, experts, scores, conflicts and forced")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let (mut items, mut experts) = (false, false);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let list = match key.as_ref() {
                "items" => List::Items,
                "experts" => List::Experts,
                "scores" => List::Scores,
                "conflicts" => List::Conflicts,
                "forced" => List::Forced,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            items |= list == List::Items;
            experts |= list == List::Experts;
            map.next_value_seed(Rows { raw: &mut *self.0, list })?;
        }
        if !items {
            return Err(de::Error::missing_field("items"));
        }
        if !experts {
            return Err(de::Error::missing_field("experts"));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Items,
    Experts,
    Scores,
    Conflicts,
    Forced,
}

/// One list, each row interned as it is read.
struct Rows<'r, 'a> {
    raw: &'r mut Raw<'a>,
    list: List,
}

impl<'de> DeserializeSeed<'de> for Rows<'_, 'de> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let raw = self.raw;
        match self.list {
            List::Items => {
                while let Some(r) = seq.next_element::<ItemRow<'de>>()? {
                    let n = raw.items.intern(r.id);
                    raw.item_list.push((n, r.demand));
                }
            }
            List::Experts => {
                while let Some(r) = seq.next_element::<ExpertRow<'de>>()? {
                    let n = raw.experts.intern(r.id);
                    raw.expert_list.push((n, r.max_load, r.min_load));
                }
            }
            List::Scores => {
                while let Some(r) = seq.next_element::<ScoreRow<'de>>()? {
                    let p = PairRef {
                        item: raw.items.intern(r.item),
                        expert: raw.experts.intern(r.expert),
                    };
                    raw.scores.push((p, r.score));
                }
            }
            List::Conflicts | List::Forced => {
                while let Some(r) = seq.next_element::<PairRow<'de>>()? {
                    let p = PairRef {
                        item: raw.items.intern(r.item),
                        expert: raw.experts.intern(r.expert),
                    };
                    match self.list {
                        List::Conflicts => raw.conflicts.push(p),
                        _ => raw.forced.push(p),
                    }
                }
            }
        }
        Ok(())
    }
}

#[derive(serde::Serialize)]
struct PairOut<'a> {
    item: &'a str,
    expert: &'a str,
    score: f64,
}

#[derive(serde::Serialize)]
struct OptimalOut<'a> {
    status: &'static str,
    objective: f64,
    pairs: Vec<PairOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    moved: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<Vec<ChangeOut<'a>>>,
}

#[derive(serde::Serialize)]
struct ChangeOut<'a> {
    item: &'a str,
    expert: &'a str,
    score: f64,
    change: &'static str,
    why: Why,
}

#[derive(serde::Serialize)]
struct InfeasibleOut<'a> {
    status: &'static str,
    reason: &'a str,
}

fn pair_out<'a>(p: &'a Problem<'_>, s: &Solved) -> Vec<PairOut<'a>> {
    s.pairs
        .iter()
        .map(|c| PairOut {
            item: &p.item_ids[c.item as usize],
            expert: &p.expert_ids[c.expert as usize],
            score: c.score,
        })
        .collect()
}

/// The contract's `assignment.json` of a solution or of the reason there is none.
pub fn write(p: &Problem<'_>, result: &Result<Solved, String>) -> Vec<u8> {
    let out = match result {
        Ok(s) => serde_json::to_vec(&OptimalOut {
            status: "optimal",
            objective: s.objective,
            pairs: pair_out(p, s),
            moved: None,
            changes: None,
        }),
        Err(reason) => serde_json::to_vec(&InfeasibleOut { status: "infeasible", reason }),
    };
    // Serialising strings and finite numbers into memory cannot fail.
    out.unwrap_or_default()
}

/// [`write`] of a re-assignment, with how many accepted reviews moved and every change.
pub fn write_repaired(p: &Problem<'_>, result: &Result<Repaired, String>) -> Vec<u8> {
    let out = match result {
        Ok(r) => serde_json::to_vec(&OptimalOut {
            status: "optimal",
            objective: r.solved.objective,
            pairs: pair_out(p, &r.solved),
            moved: Some(r.moved),
            changes: Some(
                r.changes
                    .iter()
                    .map(|c| ChangeOut {
                        item: &p.item_ids[c.pair.item as usize],
                        expert: &p.expert_ids[c.pair.expert as usize],
                        score: c.pair.score,
                        change: if c.added { "added" } else { "removed" },
                        why: c.why,
                    })
                    .collect(),
            ),
        }),
        Err(reason) => serde_json::to_vec(&InfeasibleOut { status: "infeasible", reason }),
    };
    out.unwrap_or_default()
}

#[derive(Deserialize)]
struct CurrentFile<'a> {
    #[serde(borrow)]
    pairs: Vec<PairRow<'a>>,
}

/// The pairs of an earlier `assignment.json`, by position in `p`.
pub fn read_current(text: &str, p: &Problem<'_>) -> Result<Vec<(u32, u32)>, ReadError> {
    let file: CurrentFile<'_> = serde_json::from_str(text).map_err(|e| ReadError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let (items, experts) = p.positions();
    let unknown = |k: usize, what: &str, id: &str| {
        ReadError::Input(InputError {
            entry: format!("pairs[{k}]"),
            message: format!("unknown {what} \"{id}\""),
        })
    };
    file.pairs
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let i = items.get(r.item.as_ref()).ok_or_else(|| unknown(k, "item", &r.item))?;
            let e =
                experts.get(r.expert.as_ref()).ok_or_else(|| unknown(k, "expert", &r.expert))?;
            Ok((*i, *e))
        })
        .collect()
}
