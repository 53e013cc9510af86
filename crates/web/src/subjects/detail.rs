//! Each 高企 check's numbers in Chinese for people (the contract judges only rule and pass).
use innocity_core::subjects::hnte::{HnteInput, HnteResult, HnteRule, PASS_SCORE};
use innocity_core::subjects::{Amount, Frac};

fn percent(share: Option<Frac>) -> String {
    share.map_or_else(|| "—（分母为 0）".to_string(), |f| format!("{}%", f.percent_1dp()))
}

fn wan(amount: Amount) -> String {
    format!("{} 万元", amount.to_decimal())
}

fn growth(rate: Option<Frac>) -> String {
    rate.map_or_else(|| "不计（第二年为 0）".to_string(), |f| format!("{}%", f.percent_1dp()))
}

/// The detail of one check.
pub fn hnte(rule: HnteRule, e: &HnteInput, r: &HnteResult) -> String {
    let yes_no = |ok: bool, yes: &str, no: &str| if ok { yes.to_string() } else { no.to_string() };
    match rule {
        HnteRule::RegisteredOneYear => {
            format!(
                "注册 {} 至申报 {} 共 {} 天（需满 365 天）",
                e.registered_on, e.apply_on, r.days_registered
            )
        }
        HnteRule::CoreIp => yes_no(e.core_ip, "拥有核心知识产权", "未拥有核心知识产权"),
        HnteRule::KeyField => yes_no(
            e.key_field,
            "属于国家重点支持的高新技术领域",
            "不属于国家重点支持的高新技术领域",
        ),
        HnteRule::TechStaffShare => format!(
            "科技人员 {} 人 / 职工 {} 人 = {}（需 ≥ 10%）",
            e.tech_staff,
            e.employees,
            percent(r.tech_staff_share)
        ),
        HnteRule::RdIntensity => format!(
            "近三年研发费用 {} / 销售收入 {} = {}（最近一年销售收入 {}，需 ≥ {}%）",
            wan(Amount::sum(&e.rd)),
            wan(Amount::sum(&e.sales)),
            percent(r.rd_ratio),
            wan(e.sales[2]),
            r.rd_threshold_percent
        ),
        HnteRule::RdDomesticShare => format!(
            "境内研发费用 {} / 研发费用 {} = {}（需 ≥ 60%）",
            wan(Amount::sum(&e.rd_domestic)),
            wan(Amount::sum(&e.rd)),
            percent(r.rd_domestic_share)
        ),
        HnteRule::HitechRevenueShare => format!(
            "高新技术产品（服务）收入 {} / 总收入 {} = {}（需 ≥ 60%）",
            wan(e.hitech_revenue),
            wan(e.total_revenue),
            percent(r.hitech_share)
        ),
        HnteRule::InnovationScore => format!(
            "知识产权 {} + 成果转化 {} + 研发组织管理 {} + 成长性 {}–{}（净资产增长率 {}，销售收入增长率 {}）= {}–{} 分（需 ≥ {PASS_SCORE}）",
            e.ip_points.to_decimal(),
            e.conversion_points.to_decimal(),
            e.organisation_points.to_decimal(),
            r.growth_points[0],
            r.growth_points[1],
            growth(r.net_assets_growth),
            growth(r.sales_growth),
            r.score[0].to_decimal(),
            r.score[1].to_decimal()
        ),
        HnteRule::NoSeriousViolation => yes_no(
            !e.serious_violation,
            "申请前一年内无重大安全、质量事故或严重环境违法行为",
            "申请前一年内有重大安全、质量事故或严重环境违法行为",
        ),
    }
}
