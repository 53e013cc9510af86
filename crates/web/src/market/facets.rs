//! The search page's narrowing: the facets of the matches (discipline, zone, maturity, transfer
//! mode, price band) with their counts and the links that narrow to a value or widen again, and
//! the narrowing carried through a new query and the pages.
use super::Asked;
use crate::i18n::{Lang, t};
use innocity_core::market::search::{Filter, Found, NEGOTIABLE};
use innocity_core::market::{MODES, PRICE_BANDS_WAN};
use innocity_store::orgs::OrgUnit;

/// A facet value with its count and the link that narrows to it (or widens again).
pub struct FacetLink {
    pub label: String,
    pub count: usize,
    pub href: String,
    pub chosen: bool,
}

/// One facet's values.
pub struct FacetGroup {
    pub id: &'static str,
    pub title: String,
    pub links: Vec<FacetLink>,
}

/// The query parameters of a search: its text, its narrowing, its page.
fn pairs(q: &str, f: &Filter, offset: usize) -> Vec<(&'static str, String)> {
    let mut out = vec![("q", q.to_string())];
    out.extend(f.discipline.clone().map(|v| ("discipline", v)));
    out.extend(f.zone.clone().map(|v| ("zone", v)));
    out.extend(f.maturity.map(|v| ("maturity", v.to_string())));
    out.extend(f.mode.clone().map(|v| ("mode", v)));
    out.extend(f.price_band.map(|v| ("price", v.to_string())));
    if offset > 0 {
        out.push(("offset", offset.to_string()));
    }
    out
}

/// The page of a search (its narrowing kept).
pub fn href(q: &str, f: &Filter, offset: usize) -> String {
    format!("/market?{}", serde_urlencoded::to_string(pairs(q, f, offset)).unwrap_or_default())
}

/// The narrowing as hidden fields of the search box (a new text keeps it).
pub fn hidden(f: &Filter) -> Vec<(&'static str, String)> {
    pairs("", f, 0).into_iter().filter(|(k, _)| *k != "q").collect()
}

/// A price band in words: "10 万元以下", "10–50 万元", "500 万元以上", "面议".
pub fn band_label(lang: Lang, band: u8) -> String {
    let unit = t(lang, "market.wan_yuan");
    let b = usize::from(band);
    if band == NEGOTIABLE {
        t(lang, "market.negotiable").to_string()
    } else if b == 0 {
        crate::i18n::tf(lang, "market.price.below", &[format!("{} {unit}", PRICE_BANDS_WAN[0])])
    } else if b >= PRICE_BANDS_WAN.len() {
        let last = PRICE_BANDS_WAN[PRICE_BANDS_WAN.len() - 1];
        crate::i18n::tf(lang, "market.price.above", &[format!("{last} {unit}")])
    } else {
        format!("{}–{} {unit}", PRICE_BANDS_WAN[b - 1], PRICE_BANDS_WAN[b])
    }
}

/// The facet groups of the matches; each value's link toggles it, the rest kept.
pub fn groups(lang: Lang, units: &[OrgUnit], a: &Asked, found: &Found) -> Vec<FacetGroup> {
    let f = &a.filter;
    let link = |label: String, count: usize, chosen: bool, narrowed: Filter| FacetLink {
        label,
        count,
        href: href(&a.q, &narrowed, 0),
        chosen,
    };
    let disciplines = found
        .disciplines
        .iter()
        .take(12)
        .map(|(d, n)| {
            let on = f.discipline.as_deref() == Some(d.as_str());
            let next = Filter { discipline: (!on).then(|| d.clone()), ..f.clone() };
            link(d.clone(), *n, on, next)
        })
        .collect();
    let zone_name = |code: &str| {
        units.iter().find(|u| u.code == code).map_or(code.to_string(), |u| {
            if lang == Lang::Zh { u.name_zh.clone() } else { u.name_en.clone() }
        })
    };
    let zones = found
        .zones
        .iter()
        .map(|(z, n)| {
            let on = f.zone.as_deref() == Some(z.as_str());
            let next = Filter { zone: (!on).then(|| z.clone()), ..f.clone() };
            link(zone_name(z), *n, on, next)
        })
        .collect();
    let maturities = found
        .maturities
        .iter()
        .filter(|(m, _)| *m > 0)
        .map(|(m, n)| {
            let on = f.maturity == Some(*m);
            let next = Filter { maturity: (!on).then_some(*m), ..f.clone() };
            link(format!("TRL {m}"), *n, on, next)
        })
        .collect();
    let modes = found
        .modes
        .iter()
        .filter(|(m, _)| MODES.contains(&m.as_str()))
        .map(|(m, n)| {
            let on = f.mode.as_deref() == Some(m.as_str());
            let next = Filter { mode: (!on).then(|| m.clone()), ..f.clone() };
            link(t(lang, &format!("market.mode.{m}")).to_string(), *n, on, next)
        })
        .collect();
    let bands = found
        .price_bands
        .iter()
        .map(|(b, n)| {
            let on = f.price_band == Some(*b);
            let next = Filter { price_band: (!on).then_some(*b), ..f.clone() };
            link(band_label(lang, *b), *n, on, next)
        })
        .collect();
    [
        ("facet-disciplines", "market.disciplines", disciplines),
        ("facet-zones", "market.zones", zones),
        ("facet-maturity", "market.maturity", maturities),
        ("facet-modes", "market.modes", modes),
        ("facet-prices", "market.prices", bands),
    ]
    .into_iter()
    .filter(|(_, _, links): &(_, _, Vec<FacetLink>)| !links.is_empty())
    .map(|(id, key, links)| FacetGroup { id, title: t(lang, key).to_string(), links })
    .collect()
}
