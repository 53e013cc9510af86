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
    /// The assignment's distance from its proven bound (0: proven optimal); None before one.
    pub assign_gap: Option<f64>,
    /// Branch-and-bound nodes the assignment took (0 when the flow alone was exact).
    pub assign_nodes: Option<i64>,
}

impl FromRow for Round {
    const TABLE: &'static str = "review_rounds";
    columns!(
        id,
        code,
        name,
        call_name,
        library,
        mode,
        demand,
        max_load,
        rules,
        form,
        deadline,
        year,
        status,
        seed_hash,
        seed,
        closed_at,
        assign_gap,
        assign_nodes
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Round {
            id: f.int()?,
            code: f.text()?,
            name: f.text()?,
            call_name: f.text()?,
            library: f.code(Library::parse)?,
            mode: f.code(Mode::parse)?,
            demand: f.int()?,
            max_load: f.int()?,
            rules: f.json()?,
            form: f.json()?,
            deadline: f.date_text()?,
            year: f.int()?,
            status: f.text()?,
            seed_hash: f.text()?,
            seed: f.text()?,
            closed_at: f.int()?,
            assign_gap: f.opt_real()?,
            assign_nodes: f.opt_int()?,
        })
    }
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

impl FromRow for Item {
    const TABLE: &'static str = "review_items";
    columns!(
        id,
        round_id,
        code,
        title,
        body,
        discipline,
        applicant,
        members,
        credit_code,
        org_name,
        unit_path,
        avoid
    );
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(Item {
            id: f.int()?,
            round_id: f.int()?,
            code: f.text()?,
            title: f.text()?,
            body: f.text()?,
            discipline: f.text()?,
            applicant: f.text()?,
            members: f.json()?,
            credit_code: f.text()?,
            org_name: f.text()?,
            unit_path: f.text()?,
            avoid: f.json()?,
        })
    }
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

/// How the bureau asks the experts to review something outside a call (a challenge's proposals,
/// a large or disputed technology contract): the round's name, how experts are chosen, how many
/// per item, by when.
#[derive(Debug, Clone)]
pub struct ReviewPlan {
    pub name: String,
    pub mode: Mode,
    /// Experts per item.
    pub demand: i64,
    pub deadline: NaiveDate,
}

impl ReviewPlan {
    /// The round: the review library, at most ten items an expert, one expert per organisation,
    /// co-authors of the last three years in conflict, the standard scoring form.
    pub fn round(&self, code: String, call_name: String, year: i64) -> NewRound {
        NewRound {
            code,
            name: self.name.trim().to_string(),
            call_name,
            library: Library::Review,
            mode: self.mode,
            demand: self.demand,
            max_load: 10,
            rules: Rules {
                composition: Composition { max_per_org: 1, ..Default::default() },
                coauthor_years: 3,
                ..Default::default()
            },
            form: Form::standard(),
            deadline: self.deadline,
            year,
        }
    }
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
    let its: Vec<Item> =
        tx.rows(&select::<Item>("WHERE round_id = ? ORDER BY code"), vec![id.into()]).await?;
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
    db.rows(&select::<Round>("ORDER BY id DESC"), vec![]).await
}

pub async fn round(db: &Db, id: i64) -> Result<Option<Round>> {
    db.row(&select::<Round>("WHERE id = ?"), vec![id.into()]).await
}

pub async fn items(db: &Db, round_id: i64) -> Result<Vec<Item>> {
    db.rows(&select::<Item>("WHERE round_id = ? ORDER BY code"), vec![round_id.into()]).await
}

pub async fn item(db: &Db, id: i64) -> Result<Option<Item>> {
    db.row(&select::<Item>("WHERE id = ?"), vec![id.into()]).await
}
