//! The registers the platform keeps that an indicator may be computed from instead of typed in.
/// The registers an indicator may be computed from: `tech_contracts` (合同成交额); counts of
/// `high_tech` (高企 certificates valid at the year's end), `high_tech_new` (issued in the year),
/// `tech_sme` (科小 valid at the year's end), `tech_sme_new` (科小 issued in the year), `carriers` (every kind), `carriers:rd` (the R&D
/// platforms: key labs, engineering research centres, enterprise technology centres, new-type
/// R&D institutions), `carriers:<kind>`, `talent:<programme>` (people supported in the year),
/// `teams`; and the sharing platform's `shared_instruments` (in the catalogue at the year's end),
/// `shared_hours` (hours used in the year) and `voucher_redemptions` (money redeemed in the year);
/// and the policy library's `policy_payments` (money paid under the policies in the year, by
/// entitlement or application) and `policy_entitled` (enterprises paid in the year); and the
/// risk-compensation fund's `fund_loans` (principal lent under it in the year), `fund_borrowers`
/// (enterprises lent to in the year), `fund_subsidies` (interest and guarantee-fee subsidies
/// paid in the year) and `fund_compensation` (compensation paid in the year, less what came back).
pub fn is_register(code: &str) -> bool {
    use crate::subjects::{carriers, talent};
    match code.split_once(':') {
        None => {
            matches!(
                code,
                "tech_contracts"
                    | "high_tech"
                    | "high_tech_new"
                    | "tech_sme"
                    | "tech_sme_new"
                    | "carriers"
                    | "teams"
                    | "shared_instruments"
                    | "shared_hours"
                    | "voucher_redemptions"
                    | "policy_payments"
                    | "policy_entitled"
                    | "fund_loans"
                    | "fund_borrowers"
                    | "fund_subsidies"
                    | "fund_compensation"
            )
        }
        Some(("carriers", kind)) => kind == "rd" || carriers::is_kind(kind),
        Some(("talent", programme)) => talent::is_programme(programme),
        _ => false,
    }
}

/// Whether a register counts what happens within a period (contracts registered, certificates
/// issued, hours used, money paid or lent, people supported) rather than what is held at its end
/// (certificates valid, carriers, teams, instruments in the catalogue).
pub fn is_flow(code: &str) -> bool {
    matches!(
        code,
        "tech_contracts"
            | "high_tech_new"
            | "tech_sme_new"
            | "shared_hours"
            | "voucher_redemptions"
            | "policy_payments"
            | "policy_entitled"
            | "fund_loans"
            | "fund_borrowers"
            | "fund_subsidies"
            | "fund_compensation"
    ) || code.starts_with("talent:")
}

#[cfg(test)]
mod tests {
    #[test]
    fn registers_are_the_platforms_own_and_nothing_else() {
        for ok in [
            "tech_contracts",
            "high_tech",
            "carriers",
            "carriers:rd",
            "carriers:incubator",
            "talent:commissioner",
            "teams",
            "shared_hours",
            "voucher_redemptions",
            "policy_payments",
            "policy_entitled",
            "fund_loans",
            "fund_compensation",
        ] {
            assert!(super::is_register(ok), "{ok}");
        }
        for bad in ["", "carriers:castle", "talent:", "talent:teams", "patents", "high_tech:rd"] {
            assert!(!super::is_register(bad), "{bad}");
        }
    }
}
