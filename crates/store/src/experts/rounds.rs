//! Review rounds and their items.
use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Optimal assignment by affinity.
    Assign,
    /// Random drawing with a committed seed.
    Draw,
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Mode::Assign => "assign",
            Mode::Draw => "draw",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Assign, Mode::Draw].into_iter().find(|m| m.code() == s)
    }
}

/// The call's rules for a round.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    #[serde(default)]
    pub composition: Composition,
    /// Experts from the applicant's org unit are in conflict.
    #[serde(default)]
    pub same_unit: bool,
    #[serde(default = "three")]
    pub coauthor_years: i32,
    /// Experts may bid on items.
    #[serde(default)]
    pub allow_bids: bool,
    /// The region (an expert whose `region` differs is "outside the region").
    #[serde(default)]
    pub region: String,
    /// Draw only experts with one of these fields (empty: any).
    #[serde(default)]
    pub fields: Vec<String>,
}

fn three() -> i32 {
    3
}

#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub call_name: String,
    pub library: Library,
    pub mode: Mode,
    pub demand: i64,
    pub max_load: i64,
    pub rules: Rules,
    pub form: Form,
    pub deadline: String,
    pub year: i64,
    /// open, closed
    pub status: String,
    pub seed_hash: String,
    /// Revealed once the draw is done.
    pub seed: String,
    pub closed_at: i64,
}

pub(super) const ROUND_COLS: &str = "id, code, name, call_name, library, mode, demand, max_load, rules, form, deadline, year, status, seed_hash, seed, closed_at";

pub(super) fn round_from(r: &dyn ReadRow) -> Result<Round> {
    Ok(Round {
        id: r.int(0)?,
        code: r.text(1)?,
        name: r.text(2)?,
        call_name: r.text(3)?,
        library: Library::parse(&r.text(4)?).unwrap_or(Library::Review),
        mode: Mode::parse(&r.text(5)?).unwrap_or(Mode::Assign),
        demand: r.int(6)?,
        max_load: r.int(7)?,
        rules: serde_json::from_str(&r.text(8)?).unwrap_or_default(),
        form: serde_json::from_str(&r.text(9)?).unwrap_or_else(|_| Form::standard()),
        deadline: r.text(10)?,
        year: r.int(11)?,
        status: r.text(12)?,
        seed_hash: r.text(13)?,
        seed: r.text(14)?,
        closed_at: r.int(15)?,
    })
}

impl Round {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
    pub fn deadline_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.deadline, "%Y-%m-%d").ok()
    }
    pub(super) fn policy(&self) -> Policy {
        Policy {
            same_unit: self.rules.same_unit,
            coauthor_years: self.rules.coauthor_years,
            year: self.year as i32,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: i64,
    pub round_id: i64,
    pub code: String,
    pub title: String,
    pub body: String,
    pub discipline: String,
    pub applicant: String,
    pub members: Vec<String>,
    pub credit_code: String,
    pub org_name: String,
    pub unit_path: String,
    pub avoid: Vec<String>,
}

const ITEM_COLS: &str = "id, round_id, code, title, body, discipline, applicant, members, credit_code, org_name, unit_path, avoid";

fn item_from(r: &dyn ReadRow) -> Result<Item> {
    Ok(Item {
        id: r.int(0)?,
        round_id: r.int(1)?,
        code: r.text(2)?,
        title: r.text(3)?,
        body: r.text(4)?,
        discipline: r.text(5)?,
        applicant: r.text(6)?,
        members: json_list(&r.text(7)?),
        credit_code: r.text(8)?,
        org_name: r.text(9)?,
        unit_path: r.text(10)?,
        avoid: json_list(&r.text(11)?),
    })
}

pub struct NewRound {
    pub code: String,
    pub name: String,
    pub call_name: String,
    pub library: Library,
    pub mode: Mode,
    pub demand: i64,
    pub max_load: i64,
    pub rules: Rules,
    pub form: Form,
    pub deadline: NaiveDate,
    pub year: i64,
}

/// Creates a round with its items and computes every conflict, in one transaction.
pub async fn create_round(db: &Db, r: &NewRound, items: &[Item], actor: Actor<'_>) -> Result<i64> {
    let tx = db.begin_write().await?;
    let id = create_round_in(&tx, db, r, items, actor).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates a round with its items, its audit entry and every conflict inside the caller's `tx`
/// (a call's review links the round to the call in the same transaction).
pub(crate) async fn create_round_in(
    tx: &Tx,
    db: &Db,
    r: &NewRound,
    items: &[Item],
    actor: Actor<'_>,
) -> Result<i64> {
    check_new_round(r, items)?;
    let id = tx
        .insert(
            "INSERT INTO review_rounds (code, name, call_name, library, mode, demand, max_load, rules, form, deadline, year, status, seed_hash, seed, created_by, created_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', '', '', ?, ?, 0)",
            vec![
                r.code.trim().into(),
                r.name.trim().into(),
                r.call_name.trim().into(),
                r.library.code().into(),
                r.mode.code().into(),
                r.demand.into(),
                r.max_load.into(),
                serde_json::to_string(&r.rules).unwrap_or_default().into(),
                serde_json::to_string(&r.form).unwrap_or_default().into(),
                r.deadline.format("%Y-%m-%d").to_string().into(),
                r.year.into(),
                actor.username.into(),
                tx.clock.now_ms().into(),
            ],
        )
        .await?;
    insert_items(tx, id, items).await?;
    audit::append(tx, Change { actor: actor.username, action: "review_round.create", entity: "review_round", entity_id: id.to_string(), before: serde_json::json!({}), after: serde_json::json!({ "code": r.code, "mode": r.mode.code(), "items": items.len() }), request_id: actor.request_id }).await?;
    // The items just added are inside `tx`: read them there.
    let its = tx
        .query_all(
            &format!("SELECT {ITEM_COLS} FROM review_items WHERE round_id = ? ORDER BY code"),
            vec![id.into()],
        )
        .await?
        .iter()
        .map(|row| item_from(row))
        .collect::<Result<Vec<_>>>()?;
    insert_conflicts(
        tx,
        db,
        id,
        r.library,
        &its,
        Policy {
            same_unit: r.rules.same_unit,
            coauthor_years: r.rules.coauthor_years,
            year: r.year as i32,
        },
    )
    .await?;
    Ok(id)
}

/// A round needs a valid form, a demand and a load of at least one, and items each with a code
/// (unique in the round) and a title.
fn check_new_round(r: &NewRound, items: &[Item]) -> Result<()> {
    if let Err(e) = r.form.check() {
        return Err(ReviewRefusal::Form { field: e.field, message: e.message }.into());
    }
    if r.demand < 1 || r.max_load < 1 {
        return Err(StoreError::from(ReviewRefusal::Demand));
    }
    let mut seen = HashSet::new();
    for (k, it) in items.iter().enumerate() {
        if it.code.trim().is_empty() || it.title.trim().is_empty() || !seen.insert(it.code.trim()) {
            return Err(ReviewRefusal::Item { position: k + 1, code: it.code.clone() }.into());
        }
    }
    Ok(())
}

/// The round's items, as given.
async fn insert_items(tx: &Tx, id: i64, items: &[Item]) -> Result<()> {
    for it in items {
        tx.exec(
            "INSERT INTO review_items (round_id, code, title, body, discipline, applicant, members, credit_code, org_name, unit_path, avoid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                id.into(),
                it.code.trim().into(),
                it.title.trim().into(),
                it.body.clone().into(),
                it.discipline.clone().into(),
                it.applicant.trim().into(),
                serde_json::to_string(&it.members).unwrap_or_default().into(),
                it.credit_code.trim().into(),
                it.org_name.trim().into(),
                it.unit_path.clone().into(),
                serde_json::to_string(&it.avoid).unwrap_or_default().into(),
            ],
        )
        .await?;
    }
    Ok(())
}

pub async fn rounds(db: &Db) -> Result<Vec<Round>> {
    db.read(&format!("SELECT {ROUND_COLS} FROM review_rounds ORDER BY id DESC"), vec![], round_from)
        .await
}

pub async fn round(db: &Db, id: i64) -> Result<Option<Round>> {
    Ok(db
        .read(
            &format!("SELECT {ROUND_COLS} FROM review_rounds WHERE id = ?"),
            vec![id.into()],
            round_from,
        )
        .await?
        .into_iter()
        .next())
}

pub async fn items(db: &Db, round_id: i64) -> Result<Vec<Item>> {
    db.read(
        &format!("SELECT {ITEM_COLS} FROM review_items WHERE round_id = ? ORDER BY code"),
        vec![round_id.into()],
        item_from,
    )
    .await
}

pub async fn item(db: &Db, id: i64) -> Result<Option<Item>> {
    Ok(db
        .read(
            &format!("SELECT {ITEM_COLS} FROM review_items WHERE id = ?"),
            vec![id.into()],
            item_from,
        )
        .await?
        .into_iter()
        .next())
}
