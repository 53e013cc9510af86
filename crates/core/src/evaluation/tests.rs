//! The evaluation framework's rules and a campaign's results, boundaries first.
use super::results::{EvaluatorScore, ItemValue, aggregate_scores, evaluate};
use super::*;
use crate::experts::scoring::Method;
use crate::index::sensitivity::ranks;

#[test]
fn the_built_in_framework_has_seed_003s_four_dimensions_and_sums_to_100() {
    let f = Framework::built_in();
    let names: Vec<&str> = f.dimensions.iter().map(|d| d.name_zh.as_str()).collect();
    assert_eq!(names, ["创新管理", "创新环境", "创新能力", "创新效果"]);
    assert!(f.check().is_empty());
    assert!(f.qualitative().count() >= 3, "policies, institutions, money committed at least");
    for i in f.items.iter().filter(|i| i.kind == ItemKind::Quantitative) {
        assert!(matches!(i.source(), Some(Source::Register(_))), "{} from the platform", i.code);
    }
}

#[test]
fn weights_that_do_not_sum_to_100_are_refused_with_the_rule_named() {
    let f = Framework::built_in();
    // One dimension a point heavier: the dimensions no longer sum to 100.
    let e = f.with_weights(&[("MANAGEMENT".into(), 21.0)]).unwrap_err();
    assert_eq!(e, vec![Problem::DimensionWeights { sum: 101.0 }]);
    // Moving a point between dimensions keeps 100.
    let ok = f.with_weights(&[("MANAGEMENT".into(), 21.0), ("RESULTS".into(), 24.0)]).unwrap();
    assert_eq!(ok.dimensions[0].weight, 21.0);
    // An item a point lighter: its dimension's items weigh 99.
    let e = f.with_weights(&[("POLICIES".into(), 34.0)]).unwrap_err();
    assert_eq!(e, vec![Problem::ItemWeights { dimension: "MANAGEMENT".into(), sum: 99.0 }]);
    // Zero is no weight (drop the item from the framework instead).
    let e = f.with_weights(&[("POLICIES".into(), 0.0), ("INSTITUTIONS".into(), 65.0)]);
    assert_eq!(e.unwrap_err(), vec![Problem::Weight { code: "POLICIES".into(), weight: 0.0 }]);
}

#[test]
fn a_framework_names_every_rule_it_breaks() {
    let text = r#"
code = "X"
name_zh = "x"
name_en = "x"
[[dimension]]
code = "A"
name_zh = "a"
name_en = "a"
weight = 100
[[dimension]]
code = "B"
name_zh = "b"
name_en = "b"
weight = 0
[[item]]
code = "Q"
dimension = "A"
kind = "quantitative"
source = "register:nope"
name_zh = "q"
name_en = "q"
weight = 100
[[item]]
code = "S"
dimension = "C"
kind = "qualitative"
max_score = 101
name_zh = "s"
name_en = "s"
weight = 50
"#;
    let e = Framework::from_toml(text).unwrap_err();
    assert!(e.contains(&Problem::Weight { code: "B".into(), weight: 0.0 }), "{e:?}");
    assert!(e.contains(&Problem::EmptyDimension { dimension: "B".into() }));
    assert!(e.contains(&Problem::Source { item: "Q".into() }), "an unknown register");
    assert!(e.contains(&Problem::UnknownDimension { item: "S".into(), dimension: "C".into() }));
    assert!(e.contains(&Problem::Scale { item: "S".into() }));
    let e = Framework::from_toml("code = \"X\"\nname_zh = 1").unwrap_err();
    assert!(matches!(e[0], Problem::Unreadable { line: 2, .. }), "{e:?}");
}

#[test]
fn a_score_must_lie_on_the_items_scale_to_one_decimal() {
    let f = Framework::built_in();
    for ok in [0.0, 0.1, 7.5, 10.0] {
        assert_eq!(check_score(&f, "POLICIES", ok), Ok(()), "{ok}");
    }
    for bad in [-0.1, 10.1, f64::NAN] {
        assert!(matches!(check_score(&f, "POLICIES", bad), Err(ScoreProblem::OutOfScale { .. })));
    }
    assert_eq!(check_score(&f, "POLICIES", 7.25), Err(ScoreProblem::Precision { score: 7.25 }));
    let e = check_score(&f, "HIGH_TECH", 5.0);
    assert_eq!(
        e,
        Err(ScoreProblem::NotQualitative { item: "HIGH_TECH".into() }),
        "read, not scored"
    );
}

#[test]
fn evaluators_scores_aggregate_by_the_experts_engines_methods() {
    let s = |unit, evaluator: &str, score| EvaluatorScore {
        unit,
        item: "POLICIES".into(),
        evaluator: evaluator.into(),
        score,
    };
    let scores = [s(1, "a", 6.0), s(1, "b", 8.0), s(1, "c", 10.0), s(2, "a", 4.0)];
    let v = aggregate_scores(&scores, Method::Mean);
    assert_eq!(
        v,
        [
            ItemValue { unit: 1, item: "POLICIES".into(), value: 8.0 },
            ItemValue { unit: 2, item: "POLICIES".into(), value: 4.0 },
        ]
    );
    // From five scores the highest and the lowest are dropped.
    let five: Vec<_> = [1.0, 6.0, 7.0, 8.0, 10.0]
        .iter()
        .enumerate()
        .map(|(i, x)| s(3, &format!("e{i}"), *x))
        .collect();
    assert_eq!(aggregate_scores(&five, Method::Trimmed)[0].value, 7.0);
}

#[test]
fn ranks_share_ties_and_leave_the_unscored_out() {
    assert_eq!(
        ranks(&[Some(3.0), None, Some(5.0), Some(3.0), Some(1.0)]),
        [Some(2), None, Some(1), Some(2), Some(4)]
    );
    assert!(ranks(&[]).is_empty());
}

/// Four units: the first best everywhere, the last worst; the composite follows the weights,
/// each unit's profile names its strong and weak dimensions.
#[test]
fn a_campaign_ranks_units_with_intervals_and_profiles() {
    let f = Framework::built_in();
    let units = [11, 12, 13, 14];
    let mut values = Vec::new();
    for (k, u) in units.iter().enumerate() {
        for item in &f.items {
            // Unit 11 leads everything but RESULTS, where unit 14 leads.
            let lead = if item.dimension == "RESULTS" { 3 - k } else { k };
            let value = 100.0 - 25.0 * lead as f64;
            let value = if item.kind == ItemKind::Qualitative { value / 10.0 } else { value };
            values.push(ItemValue { unit: *u, item: item.code.clone(), value });
        }
    }
    let r = evaluate(&f, &units, &values, 50).unwrap();
    let order: Vec<i64> = r.units.iter().map(|u| u.unit).collect();
    assert_eq!(order, [11, 12, 13, 14]);
    let first = &r.units[0];
    assert_eq!(first.rank, Some(1));
    // 100 in three dimensions (75 % of the weight), the scale's bottom (1) in results.
    assert!((first.score.unwrap() - 75.25).abs() < 1e-9, "{:?}", first.score);
    assert_eq!(first.strengths, ["MANAGEMENT", "ENVIRONMENT", "CAPACITY"]);
    assert_eq!(first.weaknesses, ["RESULTS"]);
    assert_eq!(r.units[3].strengths, ["RESULTS"]);
    let i = first.interval.unwrap();
    assert!(i.low >= 1.0 && i.high <= 4.0 && i.low <= i.high, "{i:?}");
    assert_eq!(r.explained.len(), 3, "weights, normalisation, aggregation");
    // A unit without any value has no score and comes last.
    let r = evaluate(&f, &[11, 12, 99], &values, 0).unwrap();
    assert_eq!(r.units.last().map(|u| (u.unit, u.score, u.rank)), Some((99, None, None)));
}
