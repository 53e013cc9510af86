//! 通用通兑: vouchers of a partner region's programme spent with providers here, and ours spent
//! there, settled between the two programmes through files both bureaus' platforms write and
//! read — the roster (the vouchers one programme issued, for the other to check locally), the
//! monthly statement (the other's vouchers redeemed here: what one side claims) and the reply
//! (each statement line accepted or refused with its reason). Every file is signed with a key
//! the two bureaus agree on (HMAC-SHA256 over the file's canonical JSON), so a changed line or a
//! file meant for another partner is refused whole; verification codes travel only as HMACs
//! under the same key, never in the clear.
use super::instruments::problem;
use crate::orgs::FieldError;
use crate::projects::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The files' format, written in each and required when read.
pub const FORMAT: &str = "innocity-voucher-exchange/1";
/// The shortest exchange key the bureaus may agree on.
pub const KEY_MIN_CHARS: usize = 16;

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, in hex.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize();
    hex::encode(outer)
}

/// What a voucher's verification code becomes in a roster: the partner checks a typed code
/// against it without ever holding the code.
pub fn code_mac(key: &str, number: &str, code: &str) -> String {
    hmac_hex(key.as_bytes(), format!("code:{number}:{}", code.trim()).as_bytes())
}

/// A file signed over its canonical JSON (the signature itself left empty).
pub trait Signed: Serialize {
    fn signature(&self) -> &str;
    fn set_signature(&mut self, signature: String);
}

/// The file's signature under `key`.
pub fn signature_of<T: Signed + Clone>(file: &T, key: &str) -> String {
    let mut bare = file.clone();
    bare.set_signature(String::new());
    let canonical = serde_json::to_vec(&bare).unwrap_or_default();
    hmac_hex(key.as_bytes(), &canonical)
}

/// Signs the file in place.
pub fn sign<T: Signed + Clone>(file: &mut T, key: &str) {
    let signature = signature_of(file, key);
    file.set_signature(signature);
}

/// Which of the three files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Roster,
    Statement,
    Reply,
}

/// The vouchers one programme issued, as its partner needs them to accept them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roster {
    pub format: String,
    pub kind: Kind,
    /// The issuing programme's code (its vouchers' numbers begin with it).
    pub programme: String,
    pub name: String,
    pub region: String,
    pub copay_percent: u32,
    /// The service kinds the programme pays for.
    pub services: Vec<String>,
    pub made_on: NaiveDate,
    pub vouchers: Vec<RosterVoucher>,
    #[serde(default)]
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterVoucher {
    pub number: String,
    /// The holding enterprise's name and unified social credit code.
    pub holder: String,
    pub holder_code: String,
    pub value_fen: i64,
    pub balance_fen: i64,
    pub valid_to: NaiveDate,
    /// [`code_mac`] of its verification code.
    pub code_mac: String,
}

/// A month's redemptions of the partner's vouchers here: what this side claims from the partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub format: String,
    pub kind: Kind,
    /// The claiming programme (where the vouchers were spent) and the paying one (that issued them).
    pub from: String,
    pub to: String,
    /// `YYYY-MM`.
    pub month: String,
    pub lines: Vec<StatementLine>,
    pub total_fen: i64,
    #[serde(default)]
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementLine {
    /// 1, 2, … in the file.
    pub line: u32,
    pub number: String,
    /// The redemption's own key: a line claimed twice (in two statements) is refused the second time.
    pub request_key: String,
    pub provider: String,
    pub provider_code: String,
    pub service: String,
    pub used_on: NaiveDate,
    pub order_total_fen: i64,
    pub amount_fen: i64,
}

/// The paying side's answer to a statement, line by line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub format: String,
    pub kind: Kind,
    pub from: String,
    pub to: String,
    pub month: String,
    /// The signature of the statement answered.
    pub statement: String,
    pub lines: Vec<ReplyLine>,
    pub accepted_fen: i64,
    #[serde(default)]
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyLine {
    pub line: u32,
    pub request_key: String,
    pub accepted: bool,
    /// A [`Mismatch`] code when refused.
    pub reason: String,
}

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl Signed for $t {
            fn signature(&self) -> &str {
                &self.signature
            }
            fn set_signature(&mut self, signature: String) {
                self.signature = signature;
            }
        }
    )*};
}
signed!(Roster, Statement, Reply);

/// Why an exchange file is refused whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// Not JSON of this shape: serde's words, with the line and column.
    Syntax { line: usize, column: usize, detail: String },
    /// Another format or another kind of file than expected.
    Format { found: String },
    /// The signature does not match under this partner's key (changed, or not from the partner).
    Signature,
}

/// Which kind of exchange file the bytes are (not yet checked further).
pub fn kind_of(bytes: &[u8]) -> Result<Kind, FileError> {
    let probe: serde_json::Value = serde_json::from_slice(bytes).map_err(syntax)?;
    let format = probe.get("format").and_then(|f| f.as_str()).unwrap_or_default();
    let kind = probe.get("kind").cloned().map(serde_json::from_value::<Kind>);
    match kind {
        Some(Ok(kind)) if format == FORMAT => Ok(kind),
        _ => {
            let found = probe.get("kind").and_then(|k| k.as_str()).unwrap_or(format);
            Err(FileError::Format { found: found.to_string() })
        }
    }
}

/// Reads a file of the expected kind, signed under `key`.
pub fn read<T>(bytes: &[u8], kind: Kind, key: &str) -> Result<T, FileError>
where
    T: Signed + Clone + for<'de> Deserialize<'de>,
{
    let found = kind_of(bytes)?;
    if found != kind {
        let found = serde_json::to_value(found).ok().and_then(|v| v.as_str().map(String::from));
        return Err(FileError::Format { found: found.unwrap_or_default() });
    }
    let file: T = serde_json::from_slice(bytes).map_err(syntax)?;
    if signature_of(&file, key) != file.signature() {
        return Err(FileError::Signature);
    }
    Ok(file)
}

fn syntax(e: serde_json::Error) -> FileError {
    FileError::Syntax { line: e.line(), column: e.column(), detail: e.to_string() }
}

/// Why one line of a statement is refused by the programme that issued the voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// No voucher of this programme has the number.
    UnknownVoucher,
    /// The request key was claimed before (in this file or an earlier one).
    Repeated,
    /// Spent, expired or clawed back.
    NotActive,
    /// Used after the voucher's validity.
    Expired,
    /// The programme does not pay for the service.
    Service,
    /// The amount is not above zero, or above the order's total.
    Amount,
    /// More than the voucher may pay of the order (the co-payment).
    Copay,
    /// More than the voucher held.
    Balance,
}

impl Mismatch {
    pub const ALL: [Self; 8] = [
        Self::UnknownVoucher,
        Self::Repeated,
        Self::NotActive,
        Self::Expired,
        Self::Service,
        Self::Amount,
        Self::Copay,
        Self::Balance,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownVoucher => "unknown_voucher",
            Self::Repeated => "repeated",
            Self::NotActive => "not_active",
            Self::Expired => "expired",
            Self::Service => "service",
            Self::Amount => "amount",
            Self::Copay => "copay",
            Self::Balance => "balance",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == s)
    }
}

/// What the issuing programme knows of the voucher a line names.
#[derive(Debug, Clone, PartialEq)]
pub struct VoucherFacts {
    pub active: bool,
    pub expires_on: NaiveDate,
    /// What is left, after the lines before this one in the same file.
    pub balance: Money,
    pub copay_percent: u32,
    pub services: Vec<String>,
}

/// The issuing side's check of one claimed line: the voucher's own rules, as if redeemed at home.
pub fn check_line(
    line: &StatementLine,
    voucher: Option<&VoucherFacts>,
    repeated: bool,
) -> Result<(), Mismatch> {
    let v = voucher.ok_or(Mismatch::UnknownVoucher)?;
    if repeated {
        return Err(Mismatch::Repeated);
    }
    if !v.active {
        return Err(Mismatch::NotActive);
    }
    if line.used_on > v.expires_on {
        return Err(Mismatch::Expired);
    }
    if !v.services.contains(&line.service) {
        return Err(Mismatch::Service);
    }
    let (total, amount) = (Money(line.order_total_fen), Money(line.amount_fen));
    if amount <= Money::ZERO || amount > total {
        return Err(Mismatch::Amount);
    }
    if amount > super::vouchers::voucher_pays(total, v.copay_percent, Money::MAX) {
        return Err(Mismatch::Copay);
    }
    if amount > v.balance {
        return Err(Mismatch::Balance);
    }
    Ok(())
}

/// The bureau's registration of a partner programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// The partner programme's code (its vouchers' numbers begin with it).
    pub code: String,
    pub name: String,
    pub region: String,
    /// The exchange key agreed between the bureaus.
    pub key: String,
}

/// A partner form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub key: String,
}

impl PartnerForm {
    pub fn parse(&self) -> Result<Partner, Vec<FieldError>> {
        let mut errors = Vec::new();
        let code = self.code.trim();
        // the same shape as our own programmes' codes (numbers are `CODE-000123`)
        let good_code = (2..=20).contains(&code.len())
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !good_code {
            errors.push(problem("code", "voucher.err.code", vec![code.to_string()]));
        }
        for (field, text) in [("name", &self.name), ("region", &self.region)] {
            if text.trim().is_empty() || text.trim().chars().count() > 100 {
                errors.push(problem(field, "err.required", vec![]));
            }
        }
        let key = self.key.trim();
        if key.chars().count() < KEY_MIN_CHARS || key.chars().count() > 200 {
            errors.push(problem("key", "exchange.err.key", vec![KEY_MIN_CHARS.to_string()]));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Partner {
            code: code.to_string(),
            name: self.name.trim().to_string(),
            region: self.region.trim().to_string(),
            key: key.to_string(),
        })
    }
}

/// A month as the statements name it (`YYYY-MM`), if it is one.
pub fn month(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()?;
    if text.trim().len() != 7 {
        return None;
    }
    let next = first.checked_add_months(chrono::Months::new(1))?;
    Some((first, next))
}
