//! The demo accounts: one per role.
use super::*;

/// One account per role (and a second zone admin and enterprise, to show scopes).
pub(crate) async fn seed_accounts(
    db: &Db,
    units: &[OrgUnit],
) -> Result<Vec<(String, String, String)>> {
    let unit = |code: &str| units.iter().find(|u| u.code == code).cloned();
    let gx = unit("LZGX").ok_or(StoreError::NotFound)?;
    let by = unit("BYGX").ok_or(StoreError::NotFound)?;
    // 榆中县: its two parks lie in 兰州高新区.
    let yuzhong = unit("620123").map(|u| u.id);
    let ent_gx = first_org(db, "enterprise", Some(&gx.path)).await?;
    let ent_by = first_org(db, "enterprise", Some(&by.path)).await?;
    let provider = first_org(db, "service_provider", None).await?;
    let university = first_org(db, "university", None).await?;
    // A demo account: who, in which role, scoped to which unit or organisation.
    struct Account {
        username: &'static str,
        display_name: &'static str,
        role: Role,
        org_unit_id: Option<i64>,
        organisation_id: Option<i64>,
    }
    let account = |username, display_name, role, org_unit_id, organisation_id| Account {
        username,
        display_name,
        role,
        org_unit_id,
        organisation_id,
    };
    let specs: Vec<Account> = vec![
        account("admin", "系统管理员", Role::SystemAdmin, None, None),
        account("bureau", "市科技局 王科长", Role::BureauStaff, None, None),
        account("zone", "兰州高新区管委会 李主任", Role::ZoneAdmin, Some(gx.id), None),
        account("zone2", "白银高新区管委会 赵主任", Role::ZoneAdmin, Some(by.id), None),
        account("orgadmin", "企业管理员 张经理", Role::OrgAdmin, None, ent_gx),
        account("member", "企业科研人员 陈工", Role::OrgMember, None, ent_gx),
        account("orgadmin2", "企业管理员 刘经理", Role::OrgAdmin, None, ent_by),
        account("expert", "评审专家 周教授", Role::Expert, None, None),
        account("provider", "服务机构 孙主管", Role::ServiceProvider, None, provider),
        account("lab", "高校分析测试中心 马老师", Role::OrgAdmin, None, university),
        account("public", "社会公众 访客", Role::Public, None, None),
        account("county", "榆中县科技局 何局长", Role::ZoneAdmin, yuzhong, None),
    ];
    let mut out = Vec::new();
    for a in specs {
        if a.role.needs_organisation() && a.organisation_id.is_none() {
            continue; // too few organisations for this account (tiny test data sets)
        }
        users::add(
            db,
            &NewUser {
                username: a.username,
                display_name: a.display_name,
                password: DEMO_PASSWORD,
                role: a.role,
                org_unit_id: a.org_unit_id,
                organisation_id: a.organisation_id,
            },
            "system",
            "demo",
        )
        .await?;
        out.push((a.username.to_string(), DEMO_PASSWORD.to_string(), a.role.code().to_string()));
    }
    Ok(out)
}
