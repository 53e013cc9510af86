//! Formulas in a DHIS2-like syntax, parsed by our own parser and evaluated over `f64`.
//!
//! ```text
//! #{RD_TOTAL}            a data element          #{RD_TOTAL.GOV}   one of its disaggregations
//! #{RD_TOTAL}.periodOffset(-1)   the previous period      #{SALES}.yearToDate()   year to date
//! N{RD_INTENSITY}        another indicator       C{POPULATION}     a constant
//! + - * / % ^   == != < <= > >=   && || !   ( )   numbers like 12, 0.5, 1e6
//! if(c, a, b)  isNull(x)  isNotNull(x)  firstNonNull(a, ...)  greatest(a, ...)  least(a, ...)
//! ```
//!
//! A value is `Option<f64>`: a missing value (null) propagates through arithmetic and
//! comparisons; division by zero gives null, never a panic or an infinity. Comparisons and logic
//! give 1 or 0.
use std::fmt;

/// A reference to reported or derived data.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Data { element: String, disagg: Option<String>, offset: i32, year_to_date: bool },
    Indicator(String),
    Constant(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    If,
    IsNull,
    IsNotNull,
    FirstNonNull,
    Greatest,
    Least,
}

impl Func {
    const ALL: [(Func, &'static str); 6] = [
        (Func::If, "if"),
        (Func::IsNull, "isNull"),
        (Func::IsNotNull, "isNotNull"),
        (Func::FirstNonNull, "firstNonNull"),
        (Func::Greatest, "greatest"),
        (Func::Least, "least"),
    ];
    fn name(self) -> &'static str {
        Func::ALL.iter().find(|(f, _)| *f == self).map(|(_, n)| *n).unwrap_or("?")
    }
    /// (min, max) number of arguments.
    fn arity(self) -> (usize, usize) {
        match self {
            Func::If => (3, 3),
            Func::IsNull | Func::IsNotNull => (1, 1),
            Func::FirstNonNull | Func::Greatest | Func::Least => (1, usize::MAX),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Item(Item),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// A parse error at a 1-based character position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {message}")]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

/// A parsed formula and where each item occurs in its text (for "unknown item" messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    pub expr: Expr,
    pub items: Vec<(Item, usize)>,
}

pub fn parse(text: &str) -> Result<Formula, ParseError> {
    let mut p = Parser { chars: text.chars().collect(), pos: 0, items: Vec::new() };
    p.skip_ws();
    if p.pos >= p.chars.len() {
        return Err(p.error("the formula is empty"));
    }
    let expr = p.or()?;
    p.skip_ws();
    if p.pos < p.chars.len() {
        return Err(p.error(&format!("unexpected '{}'", p.chars[p.pos])));
    }
    Ok(Formula { expr, items: p.items })
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    items: Vec<(Item, usize)>,
}

/// Nesting deeper than this is refused (a formula of officials never needs it; a hostile one
/// must not overflow the stack).
const MAX_DEPTH: usize = 64;

impl Parser {
    fn error(&self, message: &str) -> ParseError {
        ParseError { position: self.pos + 1, message: message.to_string() }
    }
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }
    fn peek_str(&self, s: &str) -> bool {
        let n = s.chars().count();
        self.chars.len() >= self.pos + n
            && self.chars[self.pos..self.pos + n].iter().copied().eq(s.chars())
    }
    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.peek_str(s) {
            self.pos += s.chars().count();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, s: &str) -> Result<(), ParseError> {
        if self.eat(s) { Ok(()) } else { Err(self.error(&format!("expected '{s}'"))) }
    }
    fn or(&mut self) -> Result<Expr, ParseError> {
        self.nested(|p| {
            let mut left = p.and()?;
            while p.eat("||") {
                left = Expr::Bin(BinOp::Or, Box::new(left), Box::new(p.and()?));
            }
            Ok(left)
        })
    }
    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.cmp()?;
        while self.eat("&&") {
            left = Expr::Bin(BinOp::And, Box::new(left), Box::new(self.cmp()?));
        }
        Ok(left)
    }
    fn cmp(&mut self) -> Result<Expr, ParseError> {
        let left = self.add()?;
        for (tok, op) in [
            ("==", BinOp::Eq),
            ("!=", BinOp::Ne),
            ("<=", BinOp::Le),
            (">=", BinOp::Ge),
            ("<", BinOp::Lt),
            (">", BinOp::Gt),
        ] {
            if self.eat(tok) {
                let right = self.add()?;
                return Ok(Expr::Bin(op, Box::new(left), Box::new(right)));
            }
        }
        Ok(left)
    }
    fn add(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.mul()?;
        loop {
            if self.eat("+") {
                left = Expr::Bin(BinOp::Add, Box::new(left), Box::new(self.mul()?));
            } else if self.eat("-") {
                left = Expr::Bin(BinOp::Sub, Box::new(left), Box::new(self.mul()?));
            } else {
                return Ok(left);
            }
        }
    }
    fn mul(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        loop {
            let op = if self.eat("*") {
                BinOp::Mul
            } else if self.eat("/") {
                BinOp::Div
            } else if self.eat("%") {
                BinOp::Rem
            } else {
                return Ok(left);
            };
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
    }
    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.peek_str("!") && !self.peek_str("!=") {
            self.pos += 1;
            return self.nested(|p| Ok(Expr::Not(Box::new(p.unary()?))));
        }
        if self.eat("-") {
            return self.nested(|p| Ok(Expr::Neg(Box::new(p.unary()?))));
        }
        self.power()
    }
    fn power(&mut self) -> Result<Expr, ParseError> {
        let base = self.atom()?;
        if self.eat("^") {
            let exp = self.nested(|p| p.unary())?;
            return Ok(Expr::Bin(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }
    /// Runs `f` one level deeper, refusing absurd nesting.
    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        DEPTH.with(|d| d.set(d.get() + 1));
        let too_deep = DEPTH.with(|d| d.get()) > MAX_DEPTH;
        let r =
            if too_deep { Err(self.error("the formula is nested too deeply")) } else { f(self) };
        DEPTH.with(|d| d.set(d.get() - 1));
        r
    }
    fn atom(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let Some(&c) = self.chars.get(self.pos) else {
            return Err(self.error("the formula ends too early"));
        };
        if c == '(' {
            self.pos += 1;
            let e = self.or()?;
            self.expect(")")?;
            return Ok(e);
        }
        if c.is_ascii_digit() || c == '.' {
            return self.number();
        }
        for (prefix, kind) in [("#{", 0), ("N{", 1), ("C{", 2)] {
            if self.peek_str(prefix) {
                self.pos += 2;
                let code = self.code("}")?;
                let item = match kind {
                    0 => {
                        let (element, disagg) = match code.split_once('.') {
                            Some((e, d)) => (e.to_string(), Some(d.to_string())),
                            None => (code, None),
                        };
                        let (offset, year_to_date) = self.modifiers()?;
                        Item::Data { element, disagg, offset, year_to_date }
                    }
                    1 => Item::Indicator(code),
                    _ => Item::Constant(code),
                };
                self.items.push((item.clone(), start + 1));
                return Ok(Expr::Item(item));
            }
        }
        if c.is_ascii_alphabetic() {
            let mut name = String::new();
            while let Some(&c) = self.chars.get(self.pos).filter(|c| c.is_ascii_alphanumeric()) {
                name.push(c);
                self.pos += 1;
            }
            let Some(func) = Func::ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f) else {
                return Err(ParseError {
                    position: start + 1,
                    message: format!("unknown function '{name}'"),
                });
            };
            self.expect("(")?;
            let mut args = Vec::new();
            if !self.eat(")") {
                loop {
                    args.push(self.or()?);
                    if self.eat(")") {
                        break;
                    }
                    self.expect(",")?;
                }
            }
            let (min, max) = func.arity();
            if args.len() < min || args.len() > max {
                return Err(ParseError {
                    position: start + 1,
                    message: format!(
                        "{name} takes {} argument(s), got {}",
                        if min == max { min.to_string() } else { format!("at least {min}") },
                        args.len()
                    ),
                });
            }
            return Ok(Expr::Call(func, args));
        }
        Err(self.error(&format!("unexpected '{c}'")))
    }
    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        let mut s = String::new();
        while let Some(&c) = self.chars.get(self.pos) {
            let exp_sign = (c == '+' || c == '-') && s.ends_with(['e', 'E']);
            if c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || exp_sign {
                s.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Expr::Num)
            .ok_or(ParseError { position: start + 1, message: format!("'{s}' is not a number") })
    }
    /// An item code up to `end`: letters, digits, '_' and one '.' for data items.
    fn code(&mut self, end: &str) -> Result<String, ParseError> {
        let mut s = String::new();
        while let Some(&c) = self.chars.get(self.pos) {
            if self.peek_str(end) {
                self.pos += end.chars().count();
                if s.is_empty() || s.starts_with('.') || s.ends_with('.') {
                    return Err(self.error("an item needs a code, e.g. #{RD_TOTAL}"));
                }
                return Ok(s);
            }
            if !(c.is_alphanumeric() || c == '_' || c == '-' || (c == '.' && !s.contains('.'))) {
                return Err(self.error(&format!("'{c}' cannot appear in an item code")));
            }
            s.push(c);
            self.pos += 1;
        }
        Err(self.error(&format!("expected '{end}' to close the item")))
    }
    fn modifiers(&mut self) -> Result<(i32, bool), ParseError> {
        let (mut offset, mut ytd) = (0i32, false);
        loop {
            if self.peek_str(".periodOffset(") {
                self.pos += ".periodOffset(".len();
                self.skip_ws();
                let start = self.pos;
                let mut s = String::new();
                if self.peek_str("-") {
                    s.push('-');
                    self.pos += 1;
                }
                while let Some(&c) = self.chars.get(self.pos).filter(|c| c.is_ascii_digit()) {
                    s.push(c);
                    self.pos += 1;
                }
                offset += s.parse::<i32>().ok().filter(|n| n.abs() <= 1000).ok_or(ParseError {
                    position: start + 1,
                    message: "periodOffset needs a whole number".into(),
                })?;
                self.expect(")")?;
            } else if self.peek_str(".yearToDate()") {
                self.pos += ".yearToDate()".len();
                ytd = true;
            } else {
                return Ok((offset, ytd));
            }
        }
    }
}

thread_local! {
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

// ---------- printing ----------

fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Bin(op, _, _) => match op {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
            BinOp::Add | BinOp::Sub => 4,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 5,
            BinOp::Pow => 7,
        },
        Expr::Neg(_) | Expr::Not(_) => 6,
        _ => 8,
    }
}

fn op_str(op: BinOp) -> &'static str {
    match op {
        BinOp::Or => "||",
        BinOp::And => "&&",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Rem => "%",
        BinOp::Pow => "^",
    }
}

fn paren(f: &mut fmt::Formatter<'_>, e: &Expr, yes: bool) -> fmt::Result {
    if yes { write!(f, "({e})") } else { write!(f, "{e}") }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Data { element, disagg, offset, year_to_date } => {
                write!(f, "#{{{element}")?;
                if let Some(d) = disagg {
                    write!(f, ".{d}")?;
                }
                write!(f, "}}")?;
                if *offset != 0 {
                    write!(f, ".periodOffset({offset})")?;
                }
                if *year_to_date {
                    write!(f, ".yearToDate()")?;
                }
                Ok(())
            }
            Item::Indicator(c) => write!(f, "N{{{c}}}"),
            Item::Constant(c) => write!(f, "C{{{c}}}"),
        }
    }
}

/// Prints a formula that parses back to the same expression, with only the parentheses needed.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(v) => write!(f, "{v}"),
            Expr::Item(i) => write!(f, "{i}"),
            Expr::Neg(e) => {
                write!(f, "-")?;
                paren(f, e, prec(e) < 6)
            }
            Expr::Not(e) => {
                write!(f, "!")?;
                paren(f, e, prec(e) < 6)
            }
            Expr::Bin(op, l, r) => {
                let p = prec(self);
                let (lp, rp) = match op {
                    // Right-associative: a^b^c is a^(b^c); a unary base needs parentheses.
                    BinOp::Pow => (prec(l) <= p, prec(r) < 6),
                    // Comparisons do not chain.
                    BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                        (prec(l) <= p, prec(r) <= p)
                    }
                    _ => (prec(l) < p, prec(r) <= p),
                };
                paren(f, l, lp)?;
                write!(f, " {} ", op_str(*op))?;
                paren(f, r, rp)
            }
            Expr::Call(func, args) => {
                write!(f, "{}(", func.name())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
        }
    }
}

// ---------- evaluation ----------

/// Where item values come from (statistics returns, imports, other indicators, constants).
pub trait Resolve {
    fn value(&self, item: &Item) -> Option<f64>;
}

fn truth(v: f64) -> bool {
    v != 0.0
}

fn bool_num(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// Evaluates an expression; `None` is a missing value.
pub fn eval(e: &Expr, r: &dyn Resolve) -> Option<f64> {
    let v = match e {
        Expr::Num(v) => Some(*v),
        Expr::Item(i) => r.value(i).filter(|v| v.is_finite()),
        Expr::Neg(x) => eval(x, r).map(|v| -v),
        Expr::Not(x) => eval(x, r).map(|v| bool_num(!truth(v))),
        Expr::Bin(BinOp::And, a, b) => match eval(a, r)? {
            v if !truth(v) => Some(0.0),
            _ => eval(b, r).map(|v| bool_num(truth(v))),
        },
        Expr::Bin(BinOp::Or, a, b) => match eval(a, r)? {
            v if truth(v) => Some(1.0),
            _ => eval(b, r).map(|v| bool_num(truth(v))),
        },
        Expr::Bin(op, a, b) => {
            let (x, y) = (eval(a, r)?, eval(b, r)?);
            match op {
                BinOp::Add => Some(x + y),
                BinOp::Sub => Some(x - y),
                BinOp::Mul => Some(x * y),
                BinOp::Div => (y != 0.0).then(|| x / y),
                BinOp::Rem => (y != 0.0).then(|| x % y),
                BinOp::Pow => Some(x.powf(y)),
                BinOp::Eq => Some(bool_num(x == y)),
                BinOp::Ne => Some(bool_num(x != y)),
                BinOp::Lt => Some(bool_num(x < y)),
                BinOp::Le => Some(bool_num(x <= y)),
                BinOp::Gt => Some(bool_num(x > y)),
                BinOp::Ge => Some(bool_num(x >= y)),
                BinOp::And | BinOp::Or => None,
            }
        }
        Expr::Call(func, args) => match func {
            Func::If => {
                if truth(eval(&args[0], r)?) {
                    eval(&args[1], r)
                } else {
                    eval(&args[2], r)
                }
            }
            Func::IsNull => Some(bool_num(eval(&args[0], r).is_none())),
            Func::IsNotNull => Some(bool_num(eval(&args[0], r).is_some())),
            Func::FirstNonNull => args.iter().find_map(|a| eval(a, r)),
            Func::Greatest => args.iter().filter_map(|a| eval(a, r)).reduce(f64::max),
            Func::Least => args.iter().filter_map(|a| eval(a, r)).reduce(f64::min),
        },
    };
    // Overflow to infinity or NaN is a missing value, not a number anyone should see.
    v.filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    struct Values(HashMap<String, f64>);
    impl Resolve for Values {
        fn value(&self, item: &Item) -> Option<f64> {
            self.0.get(&item.to_string()).copied()
        }
    }

    fn values() -> Values {
        Values(
            [
                ("#{RD_TOTAL}", 120.0),
                ("#{RD_TOTAL.GOV}", 30.0),
                ("#{RD_TOTAL}.periodOffset(-1)", 100.0),
                ("#{GDP}", 4000.0),
                ("C{POP}", 2.0),
                ("N{X}", 5.0),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        )
    }

    fn ev(s: &str) -> Option<f64> {
        eval(&parse(s).unwrap().expr, &values())
    }

    #[test]
    fn evaluates_typical_formulas() {
        assert_eq!(ev("#{RD_TOTAL} / #{GDP} * 100"), Some(3.0));
        assert_eq!(ev("#{RD_TOTAL.GOV} <= #{RD_TOTAL}"), Some(1.0));
        assert_eq!(
            ev("(#{RD_TOTAL} - #{RD_TOTAL}.periodOffset(-1)) / #{RD_TOTAL}.periodOffset(-1)"),
            Some(0.2)
        );
        assert_eq!(ev("if(#{MISSING} > 0, 1, 2)"), None);
        assert_eq!(ev("firstNonNull(#{MISSING}, C{POP})"), Some(2.0));
        assert_eq!(ev("greatest(1, N{X}, #{MISSING})"), Some(5.0));
        assert_eq!(ev("least(1, N{X})"), Some(1.0));
        assert_eq!(ev("isNull(#{MISSING}) && !isNull(#{GDP})"), Some(1.0));
        assert_eq!(ev("1 / 0"), None);
        assert_eq!(ev("2 ^ 3 ^ 2"), Some(512.0));
        assert_eq!(ev("-2 ^ 2"), Some(-4.0));
        assert_eq!(ev("10 % 4 + 1e2"), Some(102.0));
    }

    #[test]
    fn errors_name_the_position() {
        assert_eq!(parse("#{RD_TOTAL} + ").unwrap_err().position, 15);
        assert_eq!(parse("1 + foo(2)").unwrap_err().message, "unknown function 'foo'");
        assert_eq!(parse("1 + foo(2)").unwrap_err().position, 5);
        assert!(parse("#{RD TOTAL}").unwrap_err().message.contains("cannot appear"));
        assert!(parse("#{RD_TOTAL").unwrap_err().message.contains("close"));
        assert!(parse("if(1, 2)").unwrap_err().message.contains("takes 3"));
        assert!(parse("1 < 2 < 3").is_err(), "comparisons do not chain");
        assert_eq!(parse("").unwrap_err().message, "the formula is empty");
        assert!(parse(&"(".repeat(10_000)).unwrap_err().message.contains("nested too deeply"));
        assert!(parse(&"-".repeat(10_000)).unwrap_err().message.contains("nested too deeply"));
    }

    #[test]
    fn items_are_listed_with_positions() {
        let f = parse("#{A.B} + N{C}").unwrap();
        assert_eq!(f.items.len(), 2);
        assert_eq!(f.items[0].1, 1);
        assert_eq!(f.items[1], (Item::Indicator("C".into()), 10));
    }

    fn arb_item() -> impl Strategy<Value = Item> {
        let code = "[A-Z][A-Z0-9_]{0,6}";
        prop_oneof![
            (code, proptest::option::of(code), -3i32..=0, any::<bool>()).prop_map(
                |(element, disagg, offset, year_to_date)| Item::Data {
                    element,
                    disagg,
                    offset,
                    year_to_date
                }
            ),
            code.prop_map(Item::Indicator),
            code.prop_map(Item::Constant),
        ]
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            (0u32..1000, 0u32..4).prop_map(|(n, d)| Expr::Num(n as f64 / 10f64.powi(d as i32))),
            arb_item().prop_map(Expr::Item)
        ];
        leaf.prop_recursive(5, 40, 4, |inner| {
            let ops = [
                BinOp::Or,
                BinOp::And,
                BinOp::Eq,
                BinOp::Ne,
                BinOp::Lt,
                BinOp::Le,
                BinOp::Gt,
                BinOp::Ge,
                BinOp::Add,
                BinOp::Sub,
                BinOp::Mul,
                BinOp::Div,
                BinOp::Rem,
                BinOp::Pow,
            ];
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Neg(Box::new(e))),
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                (0..ops.len(), inner.clone(), inner.clone()).prop_map(move |(i, a, b)| Expr::Bin(
                    ops[i],
                    Box::new(a),
                    Box::new(b)
                )),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(a, b, c)| Expr::Call(Func::If, vec![a, b, c])),
                proptest::collection::vec(inner.clone(), 1..4)
                    .prop_map(|v| Expr::Call(Func::Greatest, v)),
                inner.prop_map(|e| Expr::Call(Func::IsNull, vec![e])),
            ]
        })
    }

    proptest! {
        #[test]
        fn printing_then_parsing_gives_the_same_expression(e in arb_expr()) {
            let text = e.to_string();
            let back = parse(&text).map_err(|err| TestCaseError::fail(format!("{text}: {err}")))?;
            prop_assert_eq!(back.expr, e, "{}", text);
        }

        #[test]
        fn algebraic_identities_hold(a in arb_expr(), b in arb_expr()) {
            let r = values();
            let (x, y) = (eval(&a, &r), eval(&b, &r));
            let add = eval(&Expr::Bin(BinOp::Add, Box::new(a.clone()), Box::new(b.clone())), &r);
            let add_rev = eval(&Expr::Bin(BinOp::Add, Box::new(b.clone()), Box::new(a.clone())), &r);
            prop_assert_eq!(add, add_rev);
            prop_assert_eq!(eval(&Expr::Bin(BinOp::Mul, Box::new(a.clone()), Box::new(Expr::Num(1.0))), &r), x);
            prop_assert_eq!(eval(&Expr::Neg(Box::new(Expr::Neg(Box::new(a.clone())))), &r), x);
            if let Some(v) = x {
                prop_assert_eq!(eval(&Expr::Bin(BinOp::Sub, Box::new(a.clone()), Box::new(a.clone())), &r), Some(v - v));
            }
            prop_assert_eq!(eval(&Expr::Call(Func::If, vec![Expr::Num(1.0), a.clone(), b.clone()]), &r), x);
            prop_assert_eq!(eval(&Expr::Call(Func::FirstNonNull, vec![a.clone(), b.clone()]), &r), x.or(y));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,60}") {
            let _ = parse(&s).map(|f| eval(&f.expr, &values()));
        }

        #[test]
        fn formula_like_text_never_panics(s in "[#NC{}()A-Z0-9._+*/%^<>=!&|, -]{0,60}") {
            let _ = parse(&s).map(|f| eval(&f.expr, &values()));
        }
    }
}
