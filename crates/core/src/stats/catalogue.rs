//! The catalogue of forms and rules: reading and checking definitions, the built-in forms.
use super::*;

/// A set of definitions, as read from one or more TOML files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    #[serde(default, rename = "disaggregation")]
    pub disaggregations: Vec<Disaggregation>,
    #[serde(default, rename = "element")]
    pub elements: Vec<DataElement>,
    #[serde(default, rename = "form")]
    pub forms: Vec<Form>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// What is wrong with a definitions file: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct DefinitionError {
    /// `line 12, column 3`, or `rule R107-2-01, right side, position 5`.
    pub place: String,
    pub message: String,
}

/// The built-in definitions: 107-1 (projects, a roster), 107-2 (the enterprise grid), the
/// quarterly quick report, the carriers' annual returns (ZT-1 incubation, ZT-2 R&D platforms) and
/// the enterprise innovation survey (CX-1).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("107-2.toml", include_str!("../../forms/107-2.toml")),
    ("107-1.toml", include_str!("../../forms/107-1.toml")),
    ("KB-Q.toml", include_str!("../../forms/KB-Q.toml")),
    ("ZT-1.toml", include_str!("../../forms/ZT-1.toml")),
    ("ZT-2.toml", include_str!("../../forms/ZT-2.toml")),
    ("CX-1.toml", include_str!("../../forms/CX-1.toml")),
];

/// The org-unit levels, organisation types and carrier kinds a form names that do not exist.
fn unknown_reporters(f: &Form) -> Vec<String> {
    let levels = f.unit_levels.iter().filter(|l| crate::orgs::UnitLevel::parse(l).is_none());
    let kinds = f.org_kinds.iter().filter(|k| crate::orgs::OrgKind::parse(k).is_none());
    let hosts = f.host_of.iter().filter(|k| !crate::subjects::carriers::is_kind(k));
    levels
        .map(|l| format!("unknown org-unit level '{l}'"))
        .chain(kinds.map(|k| format!("unknown organisation type '{k}'")))
        .chain(hosts.map(|k| format!("unknown carrier kind '{k}'")))
        .collect()
}

impl Catalogue {
    /// Reads and checks a definitions file: syntax (with line and column), then references.
    pub fn from_toml(text: &str) -> Result<Catalogue, Vec<DefinitionError>> {
        let cat = parse_toml(text).map_err(|e| vec![e])?;
        let errors = cat.check();
        if errors.is_empty() { Ok(cat) } else { Err(errors) }
    }

    /// The built-in catalogue.
    pub fn built_in() -> Result<Catalogue, Vec<DefinitionError>> {
        Catalogue::from_files(
            BUILT_IN.iter().map(|(name, text)| (name.to_string(), text.to_string())),
        )
    }

    /// Several files read as one catalogue (rules may use elements of other files). Syntax errors
    /// name the file; a later file's definition of a code replaces an earlier one (an imported
    /// file overrides a built-in form).
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Catalogue, Vec<DefinitionError>> {
        let mut all = Catalogue::default();
        for (name, text) in files {
            let c: Catalogue = parse_toml(&text).map_err(|mut e| {
                e.place = format!("{name}, {}", e.place);
                vec![e]
            })?;
            all.merge(c);
        }
        let errors = all.check();
        if errors.is_empty() { Ok(all) } else { Err(errors) }
    }

    fn merge(&mut self, c: Catalogue) {
        fn replace<T>(into: &mut Vec<T>, from: Vec<T>, code: impl Fn(&T) -> &str) {
            for item in from {
                match into.iter().position(|x| code(x) == code(&item)) {
                    Some(i) => into[i] = item,
                    None => into.push(item),
                }
            }
        }
        replace(&mut self.disaggregations, c.disaggregations, |d| &d.code);
        replace(&mut self.elements, c.elements, |e| &e.code);
        replace(&mut self.forms, c.forms, |f| &f.code);
        replace(&mut self.rules, c.rules, |r| &r.code);
    }

    pub fn element(&self, code: &str) -> Option<&DataElement> {
        self.elements.iter().find(|e| e.code == code)
    }

    pub fn form(&self, code: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.code == code)
    }

    /// The options of an element's disaggregation (none if it has none).
    pub fn options_of(&self, e: &DataElement) -> &[Choice] {
        e.disaggregation
            .as_ref()
            .and_then(|d| self.disaggregations.iter().find(|x| &x.code == d))
            .map(|d| d.options.as_slice())
            .unwrap_or(&[])
    }

    /// The form an element is collected on (the first that lists it).
    pub fn form_of(&self, element: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.elements.iter().any(|e| e == element))
    }

    /// The rules a form's submission runs, parsed once.
    pub fn rules_for(&self, form: &str) -> Vec<CompiledRule> {
        self.rules
            .iter()
            .filter(|r| r.form == form)
            .filter_map(|r| {
                Some(CompiledRule {
                    left: formula::parse(&r.left).ok()?,
                    right: formula::parse(&r.right).ok()?,
                    rule: r.clone(),
                })
            })
            .collect()
    }

    /// The forms whose values a form's rules read (itself, and e.g. 107-1 for a 107-2 rule).
    pub fn forms_read_by(&self, form: &str) -> Vec<String> {
        let mut out = vec![form.to_string()];
        for r in self.rules_for(form) {
            for (item, _) in r.left.items.iter().chain(r.right.items.iter()) {
                if let Item::Data { element, .. } = item
                    && let Some(f) = self.form_of(element)
                    && !out.contains(&f.code)
                {
                    out.push(f.code.clone());
                }
            }
        }
        out
    }

    /// Every reference must resolve and every code be unique.
    fn check(&self) -> Vec<DefinitionError> {
        let mut errors = Vec::new();
        let mut err =
            |place: String, message: String| errors.push(DefinitionError { place, message });
        let mut seen = std::collections::HashSet::new();
        for code in self
            .elements
            .iter()
            .map(|e| &e.code)
            .chain(self.forms.iter().map(|f| &f.code))
            .chain(self.rules.iter().map(|r| &r.code))
        {
            if !seen.insert(code.clone()) {
                err(format!("code {code}"), "is defined twice".into());
            }
        }
        for e in &self.elements {
            if let Some(d) = &e.disaggregation
                && !self.disaggregations.iter().any(|x| &x.code == d)
            {
                err(format!("element {}", e.code), format!("unknown disaggregation '{d}'"));
            }
        }
        for e in &self.elements {
            if e.value_type == ValueType::Option && e.options.is_empty() {
                err(format!("element {}", e.code), "an option element needs options".into());
            }
        }
        for f in &self.forms {
            for code in &f.elements {
                if self.element(code).is_none() {
                    err(format!("form {}", f.code), format!("unknown element '{code}'"));
                }
            }
            for problem in unknown_reporters(f) {
                err(format!("form {}", f.code), problem);
            }
            if f.closes_after_days < f.opens_after_days {
                err(
                    format!("form {}", f.code),
                    "closes_after_days is before opens_after_days".into(),
                );
            }
        }
        for r in &self.rules {
            match self.form(&r.form) {
                None => err(format!("rule {}", r.code), format!("unknown form '{}'", r.form)),
                Some(f) if r.scope == RuleScope::Row && f.kind != FormKind::Roster => err(
                    format!("rule {}", r.code),
                    format!("row rules need a roster form; '{}' is a grid", r.form),
                ),
                _ => {}
            }
            for (side, text) in [("left side", &r.left), ("right side", &r.right)] {
                match formula::parse(text) {
                    Err(e) => {
                        err(format!("rule {}, {side}, position {}", r.code, e.position), e.message)
                    }
                    Ok(f) => {
                        for (item, pos) in f.items {
                            if let Some(problem) = self.unknown(&item) {
                                err(format!("rule {}, {side}, position {pos}", r.code), problem);
                            }
                        }
                    }
                }
            }
        }
        errors
    }

    /// Why an item in a rule does not resolve, if it does not.
    fn unknown(&self, item: &Item) -> Option<String> {
        let Item::Data { element, disagg, .. } = item else { return None };
        let Some(e) = self.element(element) else {
            return Some(format!("unknown element '{element}'"));
        };
        let d = disagg.as_ref()?;
        let known = e
            .disaggregation
            .as_ref()
            .and_then(|dc| self.disaggregations.iter().find(|x| &x.code == dc))
            .is_some_and(|x| x.options.iter().any(|o| &o.code == d));
        (!known).then(|| format!("element '{element}' has no disaggregation option '{d}'"))
    }
}

fn parse_toml(text: &str) -> Result<Catalogue, DefinitionError> {
    toml::from_str(text).map_err(|e| {
        let place = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
                format!("line {line}, column {column}")
            }
            None => "file".to_string(),
        };
        DefinitionError { place, message: e.message().to_string() }
    })
}
