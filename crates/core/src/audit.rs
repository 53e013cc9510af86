//! The append-only, hash-chained audit log: each entry's hash covers its fields and the previous
//! entry's hash, so editing or deleting any entry breaks the chain at a place we can name.
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
    pub request_id: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry's content chained to `prev_hash`. Fields are length-prefixed so no two
/// different entries can serialise to the same bytes.
pub fn entry_hash(prev_hash: &str, seq: i64, at_ms: i64, fields: [&str; 7]) -> String {
    String::from_utf8_lossy(&entry_hash_hex(prev_hash, seq, at_ms, fields)).into_owned()
}

impl Entry {
    pub fn compute_hash(&self) -> String {
        entry_hash(
            &self.prev_hash,
            self.seq,
            self.at_ms,
            [
                &self.actor,
                &self.action,
                &self.entity,
                &self.entity_id,
                &self.before,
                &self.after,
                &self.request_id,
            ],
        )
    }
}

/// What is wrong with the chain, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    #[error("entry {seq}: its content does not match its hash (edited)")]
    Edited { seq: i64 },
    #[error(
        "entry {seq}: the previous entry's hash does not match (entry {missing_from} or the one before it was edited or deleted)"
    )]
    Chain { seq: i64, missing_from: i64 },
    #[error("entries {from}..={to} are missing (deleted)")]
    Gap { from: i64, to: i64 },
    #[error(
        "the log ends at entry {last} but the head records entry {head}: entries after {last} were deleted"
    )]
    Truncated { last: i64, head: i64 },
}

/// An entry's fields, borrowed (the verifier reads a million of these without allocating).
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    pub seq: i64,
    pub at_ms: i64,
    pub fields: [&'a str; 7],
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl Entry {
    pub fn as_ref(&self) -> EntryRef<'_> {
        EntryRef {
            seq: self.seq,
            at_ms: self.at_ms,
            fields: [
                &self.actor,
                &self.action,
                &self.entity,
                &self.entity_id,
                &self.before,
                &self.after,
                &self.request_id,
            ],
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }
}

/// The raw digest, hex-encoded into a buffer on the stack.
fn entry_hash_hex(prev_hash: &str, seq: i64, at_ms: i64, fields: [&str; 7]) -> [u8; 64] {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(seq.to_le_bytes());
    h.update(at_ms.to_le_bytes());
    for f in fields {
        h.update((f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    let mut out = [0u8; 64];
    // 32 bytes always fit 64 hex digits.
    let _ = hex::encode_to_slice(h.finalize(), &mut out);
    out
}

/// Walks entries in sequence order and finds the first break.
#[derive(Debug)]
pub struct Verifier {
    expected_seq: i64,
    prev_hash: [u8; 64],
    pub checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        let mut prev_hash = [0u8; 64];
        prev_hash.copy_from_slice(GENESIS.as_bytes());
        Verifier { expected_seq: 1, prev_hash, checked: 0 }
    }
}

impl Verifier {
    pub fn push(&mut self, e: &Entry) -> Result<(), Break> {
        self.push_ref(e.as_ref())
    }

    pub fn push_ref(&mut self, e: EntryRef<'_>) -> Result<(), Break> {
        if e.seq > self.expected_seq {
            return Err(Break::Gap { from: self.expected_seq, to: e.seq - 1 });
        }
        let computed = entry_hash_hex(e.prev_hash, e.seq, e.at_ms, e.fields);
        if computed.as_slice() != e.hash.as_bytes() {
            return Err(Break::Edited { seq: e.seq });
        }
        if e.prev_hash.as_bytes() != self.prev_hash.as_slice() {
            return Err(Break::Chain { seq: e.seq, missing_from: e.seq - 1 });
        }
        self.expected_seq = e.seq + 1;
        self.prev_hash = computed;
        self.checked += 1;
        Ok(())
    }

    /// The head (last seq and hash) recorded beside the log must be where the walk ended.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, Break> {
        let last = self.expected_seq - 1;
        if last != head_seq || (head_seq > 0 && self.prev_hash.as_slice() != head_hash.as_bytes()) {
            return Err(Break::Truncated { last, head: head_seq });
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = Entry {
                    seq,
                    at_ms: 1_700_000_000_000 + seq,
                    actor: "admin".into(),
                    action: "org.update".into(),
                    entity: "organisation".into(),
                    entity_id: seq.to_string(),
                    before: "{}".into(),
                    after: format!("{{\"n\":{seq}}}"),
                    request_id: "r".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn verify(entries: &[Entry], head: (i64, &str)) -> Result<u64, Break> {
        let mut v = Verifier::default();
        for e in entries {
            v.push(e)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS)), Ok(0));
    }

    #[test]
    fn edit_delete_and_truncation_are_named() {
        let c = chain(5);
        let mut edited = c.clone();
        edited[2].after = "{\"n\":99}".into();
        assert_eq!(verify(&edited, (5, &c[4].hash)), Err(Break::Edited { seq: 3 }));

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(verify(&deleted, (5, &c[4].hash)), Err(Break::Gap { from: 2, to: 2 }));

        let truncated = &c[..3];
        assert_eq!(verify(truncated, (5, &c[4].hash)), Err(Break::Truncated { last: 3, head: 5 }));

        // Rewriting an entry and its hash still breaks the next link.
        let mut rehashed = c.clone();
        rehashed[1].after = "x".into();
        rehashed[1].hash = rehashed[1].compute_hash();
        assert_eq!(
            verify(&rehashed, (5, &c[4].hash)),
            Err(Break::Chain { seq: 3, missing_from: 2 })
        );
    }
}
