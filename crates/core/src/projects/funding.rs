//! Money of a project: the budget table (by category, requested from the programme and raised by
//! the organisation), the programme's yearly budget that decisions may never overspend, and the
//! payment schedule — instalments released only when their condition is approved, by someone
//! other than who prepared them (maker–checker).
use super::money::Money;
use serde::{Deserialize, Serialize};

/// Budget categories of central and provincial S&T funds (直接费用 and 间接费用).
pub const CATEGORIES: [(&str, &str, &str); 9] = [
    ("equipment", "设备费", "Equipment"),
    ("business", "业务费", "Operating costs"),
    ("materials", "材料费", "Materials"),
    ("testing", "测试化验加工费", "Testing and processing"),
    ("travel", "差旅/会议/国际合作与交流费", "Travel, meetings, exchange"),
    ("publication", "出版/文献/信息传播/知识产权事务费", "Publication and IP"),
    ("labour", "劳务费", "Labour"),
    ("consulting", "专家咨询费", "Expert consultation"),
    ("indirect", "间接费用", "Indirect costs"),
];

/// One line of the budget table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub category: String,
    /// From the programme (申请专项经费).
    pub requested: Money,
    /// Raised by the organisation (自筹经费).
    pub raised: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {code} {args:?}")]
pub struct BudgetError {
    pub field: String,
    /// unknown_category, twice, negative, nothing, over_limit, indirect, co_funding — with the
    /// amounts for the message in the user's language.
    pub code: &'static str,
    pub args: Vec<String>,
}

/// The call's budget rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BudgetRules {
    /// The most a project may request.
    pub max_request: Money,
    /// Raised funds at least this share of the requested (e.g. 1.0 = 1:1 co-funding); 0 = none.
    pub co_funding: f64,
    /// Indirect costs at most this share of the requested direct costs (e.g. 0.2).
    pub indirect_share: f64,
}

pub fn total_requested(lines: &[Line]) -> Money {
    lines.iter().map(|l| l.requested).sum()
}

/// Checks a budget table against the call's rules; names the line or the total at fault.
pub fn check_budget(lines: &[Line], rules: &BudgetRules) -> Result<(), BudgetError> {
    let err = |field: String, code: &'static str, args: Vec<String>| {
        Err(BudgetError { field, code, args })
    };
    let mut seen = std::collections::HashSet::new();
    for l in lines {
        if !CATEGORIES.iter().any(|c| c.0 == l.category) {
            return err(l.category.clone(), "unknown_category", vec![l.category.clone()]);
        }
        if !seen.insert(l.category.as_str()) {
            return err(l.category.clone(), "twice", vec![l.category.clone()]);
        }
        if l.requested.0 < 0 || l.raised.0 < 0 {
            return err(l.category.clone(), "negative", vec![l.category.clone()]);
        }
    }
    let requested = total_requested(lines);
    if requested.0 == 0 {
        return err("total".into(), "nothing", vec![]);
    }
    if requested > rules.max_request {
        return err(
            "total".into(),
            "over_limit",
            vec![requested.wan_text(), rules.max_request.wan_text()],
        );
    }
    let indirect: Money =
        lines.iter().filter(|l| l.category == "indirect").map(|l| l.requested).sum();
    let direct = Money(requested.0 - indirect.0);
    if rules.indirect_share > 0.0
        && indirect.0 as f64 > direct.0 as f64 * rules.indirect_share + 0.5
    {
        return err(
            "indirect".into(),
            "indirect",
            vec![
                indirect.wan_text(),
                format!("{:.0}", rules.indirect_share * 100.0),
                direct.wan_text(),
            ],
        );
    }
    let raised: Money = lines.iter().map(|l| l.raised).sum();
    if rules.co_funding > 0.0 && (raised.0 as f64) < requested.0 as f64 * rules.co_funding - 0.5 {
        return err(
            "raised".into(),
            "co_funding",
            vec![
                raised.wan_text(),
                format!("{}", rules.co_funding),
                requested.wan_text(),
                Money((requested.0 as f64 * rules.co_funding).ceil() as i64).wan_text(),
            ],
        );
    }
    Ok(())
}

/// A programme's budget for a year and what decisions have committed against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ledger {
    pub budget: Money,
    pub committed: Money,
}

impl Ledger {
    pub fn available(&self) -> Money {
        Money(self.budget.0 - self.committed.0)
    }
    /// Commits `amount`, or says by how much it would overspend.
    pub fn commit(&self, amount: Money) -> Result<Ledger, Money> {
        let committed = self.committed.checked_add(amount).ok_or(Money(i64::MAX))?;
        if committed > self.budget {
            Err(Money(committed.0 - self.budget.0))
        } else {
            Ok(Ledger { budget: self.budget, committed })
        }
    }
}

/// What releases an instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The task book is signed.
    Signing,
    /// The mid-term inspection is approved.
    MidTerm,
    /// Acceptance passed.
    Acceptance,
    /// Results verified (post-subsidy, 后补助).
    ResultsVerified,
}

impl Condition {
    pub const ALL: [Condition; 4] =
        [Self::Signing, Self::MidTerm, Self::Acceptance, Self::ResultsVerified];
    pub fn code(self) -> &'static str {
        match self {
            Self::Signing => "signing",
            Self::MidTerm => "mid_term",
            Self::Acceptance => "acceptance",
            Self::ResultsVerified => "results_verified",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// The usual schedule: 50 % on signing, 30 % after the mid-term inspection, the rest on
/// acceptance; a post-subsidy project is paid in one sum once its results are verified. Amounts
/// add up to the grant to the fen (the last instalment takes the rounding).
pub fn schedule(grant: Money, post_subsidy: bool) -> Vec<(Condition, Money)> {
    if post_subsidy {
        return vec![(Condition::ResultsVerified, grant)];
    }
    let first = Money(grant.0 / 2);
    let second = Money(grant.0 * 3 / 10);
    vec![
        (Condition::Signing, first),
        (Condition::MidTerm, second),
        (Condition::Acceptance, Money(grant.0 - first.0 - second.0)),
    ]
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    #[error("the condition is not approved yet")]
    ConditionNotMet,
    #[error("the instalment was prepared by the same person")]
    SamePerson,
    #[error("the instalment is not prepared")]
    NotPrepared,
    #[error("already released")]
    AlreadyReleased,
}

/// An instalment's state: planned → prepared (maker) → released (checker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instalment {
    pub condition: Condition,
    pub amount: Money,
    pub prepared_by: Option<String>,
    pub released_by: Option<String>,
}

impl Instalment {
    /// Prepares the payment (the maker); only once its condition is approved.
    pub fn prepare(&self, condition_met: bool, maker: &str) -> Result<Instalment, ReleaseError> {
        if self.released_by.is_some() {
            return Err(ReleaseError::AlreadyReleased);
        }
        if !condition_met {
            return Err(ReleaseError::ConditionNotMet);
        }
        Ok(Instalment { prepared_by: Some(maker.to_string()), ..self.clone() })
    }
    /// Releases it (the checker): prepared, condition still met, another person.
    pub fn release(&self, condition_met: bool, checker: &str) -> Result<Instalment, ReleaseError> {
        if self.released_by.is_some() {
            return Err(ReleaseError::AlreadyReleased);
        }
        let Some(maker) = &self.prepared_by else { return Err(ReleaseError::NotPrepared) };
        if !condition_met {
            return Err(ReleaseError::ConditionNotMet);
        }
        if maker == checker {
            return Err(ReleaseError::SamePerson);
        }
        Ok(Instalment { released_by: Some(checker.to_string()), ..self.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(c: &str, req_wan: i64, raised_wan: i64) -> Line {
        Line {
            category: c.into(),
            requested: Money::from_wan(req_wan),
            raised: Money::from_wan(raised_wan),
        }
    }

    #[test]
    fn lines_that_would_wrap_their_total_are_over_the_cap() {
        // 6,148,914,691,243.19 万元 three times wrapped to 20 万元 under a 30 万元 cap.
        let huge = Money(6_148_914_691_243_190_000);
        let lines: Vec<Line> = ["equipment", "materials", "business"]
            .iter()
            .map(|c| Line { category: (*c).into(), requested: huge, raised: huge })
            .collect();
        let rules =
            BudgetRules { max_request: Money::from_wan(30), co_funding: 0.0, indirect_share: 0.0 };
        assert_eq!(check_budget(&lines, &rules).map_err(|e| e.code), Err("over_limit"));
    }

    #[test]
    fn budgets_follow_the_call() {
        let rules =
            BudgetRules { max_request: Money::from_wan(100), co_funding: 1.0, indirect_share: 0.2 };
        let ok =
            vec![line("equipment", 40, 50), line("materials", 30, 30), line("indirect", 10, 0)];
        assert!(check_budget(&ok, &rules).is_ok());
        let mut over = ok.clone();
        over.push(line("labour", 30, 30));
        assert_eq!(check_budget(&over, &rules).unwrap_err().field, "total");
        let thin = vec![line("equipment", 40, 10), line("materials", 30, 10)];
        assert_eq!(check_budget(&thin, &rules).unwrap_err().field, "raised");
        let fat = vec![line("equipment", 40, 60), line("indirect", 20, 0)];
        assert_eq!(check_budget(&fat, &rules).unwrap_err().field, "indirect");
        assert_eq!(check_budget(&[line("yacht", 1, 1)], &rules).unwrap_err().field, "yacht");
    }

    #[test]
    fn the_programme_budget_is_never_overspent() {
        let l = Ledger { budget: Money::from_wan(1000), committed: Money::from_wan(950) };
        assert_eq!(l.commit(Money::from_wan(60)), Err(Money::from_wan(10)));
        assert_eq!(l.commit(Money::from_wan(50)).unwrap().available(), Money::ZERO);
    }

    #[test]
    fn schedules_add_up_to_the_fen() {
        let grant = Money(33_333_333);
        let s = schedule(grant, false);
        assert_eq!(s.iter().map(|x| x.1).sum::<Money>(), grant);
        assert_eq!(s[0], (Condition::Signing, Money(16_666_666)));
        assert_eq!(schedule(grant, true), vec![(Condition::ResultsVerified, grant)]);
    }

    #[test]
    fn maker_and_checker_are_two_people_and_the_condition_comes_first() {
        let i = Instalment {
            condition: Condition::MidTerm,
            amount: Money::from_wan(30),
            prepared_by: None,
            released_by: None,
        };
        assert_eq!(i.prepare(false, "li"), Err(ReleaseError::ConditionNotMet));
        assert_eq!(i.release(true, "wang"), Err(ReleaseError::NotPrepared));
        let p = i.prepare(true, "li").unwrap();
        assert_eq!(p.release(true, "li"), Err(ReleaseError::SamePerson));
        let r = p.release(true, "wang").unwrap();
        assert_eq!(r.release(true, "zhao"), Err(ReleaseError::AlreadyReleased));
    }
}
