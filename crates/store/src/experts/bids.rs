//! Experts' bids on a round's items, and the pool they are drawn from.
use super::*;

pub async fn set_bid(
    db: &Db,
    item_id: i64,
    expert_id: i64,
    bid: &str,
    actor: Actor<'_>,
) -> Result<()> {
    if !matches!(bid, "eager" | "willing" | "unwilling") {
        return Err(ReviewRefusal::Bid { bid: bid.into() }.into());
    }
    let tx = db.begin_write().await?;
    tx.exec("INSERT INTO review_bids (item_id, expert_id, bid) VALUES (?, ?, ?) ON CONFLICT (item_id, expert_id) DO UPDATE SET bid = excluded.bid", vec![item_id.into(), expert_id.into(), bid.into()]).await?;
    audit::append(
        &tx,
        Change {
            actor: actor.username,
            action: "review.bid",
            entity: "review_item",
            entity_id: item_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({ "expert": expert_id, "bid": bid }),
            request_id: actor.request_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An expert's bid on one item.
pub(crate) struct BidRow {
    item_id: i64,
    bid: String,
}

impl FromRow for BidRow {
    const TABLE: &'static str = "review_bids";
    const FROM: &'static str = "review_bids b JOIN review_items i ON i.id = b.item_id";
    columns!("b.item_id", "b.bid");
    fn from_row(f: &mut Fields<'_>) -> Result<Self> {
        Ok(BidRow { item_id: f.int()?, bid: f.text()? })
    }
}

/// An expert's bids in a round, by item id.
pub async fn bids_of(db: &Db, round_id: i64, expert_id: i64) -> Result<HashMap<i64, String>> {
    let rows: Vec<BidRow> = db
        .rows(
            &select::<BidRow>("WHERE i.round_id = ? AND b.expert_id = ?"),
            vec![round_id.into(), expert_id.into()],
        )
        .await?;
    Ok(rows.into_iter().map(|b| (b.item_id, b.bid)).collect())
}

/// Rounds an expert may bid in now: open, bids allowed, not yet assigned, the expert's library.
pub async fn biddable(db: &Db, e: &Expert) -> Result<Vec<Round>> {
    let mut out = Vec::new();
    for r in rounds(db).await? {
        if r.is_open()
            && r.rules.allow_bids
            && r.mode == Mode::Assign
            && r.library == e.library
            && e.status == Status::Active
            && assignments(db, r.id).await?.is_empty()
        {
            out.push(r);
        }
    }
    Ok(out)
}

/// Why an expert of the library is not in a round's pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolEntry {
    pub expert: Expert,
    /// Reviews left under the yearly cap.
    pub room: i64,
    /// Message key of the reason the expert is left out, with its argument; None if in the pool.
    pub excluded: Option<(&'static str, String)>,
}

impl PartialEq for Expert {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.version == other.version
    }
}

/// The library's experts with the reason each is or is not in the round's pool: active, confirmed
/// for the year, no credit record barring them, available on the deadline, in the call's fields,
/// with room under the yearly cap.
pub async fn pool(db: &Db, r: &Round, today: NaiveDate) -> Result<Vec<PoolEntry>> {
    let experts = list(db, &ExpertQuery { library: Some(r.library), ..Default::default() }).await?;
    let loads = loads(db, r.year).await?;
    let in_round: HashMap<i64, i64> = db
        .read("SELECT expert_id, COUNT(*) FROM review_assignments WHERE round_id = ? AND status IN ('assigned', 'submitted') GROUP BY expert_id", vec![r.id.into()], |x| Ok((x.int(0)?, x.int(1)?)))
        .await?
        .into_iter()
        .collect();
    let deadline = r.deadline_date().unwrap_or(today);
    let mut out = Vec::new();
    for e in experts {
        // This round's own reviews do not count against the room for this round's work.
        let counted =
            loads.get(&e.id).copied().unwrap_or(0) - in_round.get(&e.id).copied().unwrap_or(0);
        let room = rules::remaining_load(e.yearly_cap, counted);
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let excluded = if e.status != Status::Active {
            Some(("pool.status", e.status.code().to_string()))
        } else if rules::reconfirmation(e.confirmed_year as i32, today) == Reconfirmation::Lapsed {
            Some(("pool.reconfirm", e.confirmed_year.to_string()))
        } else if let Some(d) = crate::credit::check(db, &e.code, today).await?.deciding {
            Some(("pool.credit", format!("{} {}", d.kind, d.source)))
        } else if date(&e.available_from).is_some_and(|f| deadline < f)
            || date(&e.available_to).is_some_and(|t| deadline > t)
        {
            Some(("pool.unavailable", format!("{}–{}", e.available_from, e.available_to)))
        } else if !r.rules.fields.is_empty() && !e.fields.iter().any(|f| r.rules.fields.contains(f))
        {
            Some(("pool.field", e.fields.join("、")))
        } else if room == 0 {
            Some(("pool.cap", e.yearly_cap.to_string()))
        } else {
            None
        };
        out.push(PoolEntry { expert: e, room, excluded });
    }
    Ok(out)
}

pub(super) fn member_of(e: &Expert, region: &str) -> Member {
    let mut groups: HashSet<String> = e.groups.iter().cloned().collect();
    if !region.is_empty() && e.region != region {
        groups.insert(OUTSIDE_REGION.to_string());
    }
    Member {
        org: if e.credit_code.is_empty() {
            e.organisation_name.clone()
        } else {
            e.credit_code.clone()
        },
        groups,
    }
}
