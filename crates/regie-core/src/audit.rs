//! The audit trail's chain: each entry's hash covers its fields and the hash of the entry before
//! it, so changing, removing or inserting an entry breaks the chain at that point.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One recorded action, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    /// RFC 3339, UTC.
    pub at: String,
    /// A user name, `cli:LOGIN` for the command line, or `anonymous`.
    pub actor: String,
    /// What was done, such as `login`, `asset.download`, `grant.add`.
    pub action: String,
    pub asset_id: Option<String>,
    /// The caller's network address, when the action came over HTTP.
    pub address: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    /// Free text or JSON saying what changed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The hash this entry must carry: SHA-256 over the previous hash and every field, each
    /// length-prefixed so no two different entries can be written as the same bytes.
    pub fn expected_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let seq = self.seq.to_string();
        let fields: [&str; 9] = [
            &self.prev_hash,
            &seq,
            &self.at,
            &self.actor,
            &self.action,
            self.asset_id.as_deref().unwrap_or("\u{0}"),
            self.address.as_deref().unwrap_or("\u{0}"),
            &self.outcome,
            &self.detail,
        ];
        for field in fields {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex_lower(&hasher.finalize())
    }

    /// Fills in `hash` for an entry whose other fields are set.
    pub fn seal(mut self) -> Self {
        self.hash = self.expected_hash();
        self
    }
}

/// Where and how a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The sequence number of the first entry that does not fit.
    pub seq: u64,
    /// `altered` (its hash does not match its fields), `removed` (entries before it are
    /// missing), `inserted` (it does not link to the entry before it), `truncated` (entries at
    /// the end are missing).
    pub kind: &'static str,
    pub message: String,
}

/// Walks a chain incrementally, entry by entry, in sequence order.
#[derive(Debug, Clone)]
pub struct ChainWalker {
    expected_seq: u64,
    previous_hash: String,
    pub checked: u64,
}

impl Default for ChainWalker {
    fn default() -> Self {
        Self { expected_seq: 1, previous_hash: GENESIS.to_owned(), checked: 0 }
    }
}

impl ChainWalker {
    pub fn check(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        let broken = |kind, message: String| Err(ChainBreak { seq: entry.seq, kind, message });
        if entry.hash != entry.expected_hash() {
            return broken(
                "altered",
                format!("entry {} was altered: its hash no longer matches its fields", entry.seq),
            );
        }
        if entry.seq > self.expected_seq && entry.prev_hash != self.previous_hash {
            return broken(
                "removed",
                format!("entries {} to {} were removed before entry {}", self.expected_seq, entry.seq - 1, entry.seq),
            );
        }
        if entry.seq != self.expected_seq || entry.prev_hash != self.previous_hash {
            return broken(
                "inserted",
                format!("entry {} was inserted or re-sealed: it does not link to the entry before it", entry.seq),
            );
        }
        self.expected_seq += 1;
        self.previous_hash = entry.hash.clone();
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the walk with the head recorded outside the database.
    pub fn finish(&self, head: Option<(u64, &str)>) -> Result<(), ChainBreak> {
        match head {
            Some((seq, _)) if seq >= self.expected_seq => Err(ChainBreak {
                seq: self.expected_seq,
                kind: "truncated",
                message: format!(
                    "entries {} to {seq} were removed from the end (the recorded head is entry {seq})",
                    self.expected_seq
                ),
            }),
            Some((seq, hash)) if seq + 1 == self.expected_seq && hash != self.previous_hash => {
                Err(ChainBreak { seq, kind: "altered", message: format!("entry {seq} differs from the recorded head") })
            }
            _ => Ok(()),
        }
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(count: u64) -> Vec<AuditEntry> {
        let mut entries: Vec<AuditEntry> = Vec::new();
        for seq in 1..=count {
            let prev_hash = entries.last().map_or(GENESIS.to_owned(), |entry| entry.hash.clone());
            entries.push(
                AuditEntry {
                    seq,
                    at: format!("2026-11-22T10:00:0{seq}Z"),
                    actor: "anne".into(),
                    action: "asset.download".into(),
                    asset_id: Some(format!("asset-{seq}")),
                    address: Some("127.0.0.1".into()),
                    outcome: "ok".into(),
                    detail: String::new(),
                    prev_hash,
                    hash: String::new(),
                }
                .seal(),
            );
        }
        entries
    }

    fn walk(entries: &[AuditEntry]) -> Result<(), ChainBreak> {
        let mut walker = ChainWalker::default();
        entries.iter().try_for_each(|entry| walker.check(entry))
    }

    #[test]
    fn an_intact_chain_passes() {
        assert_eq!(walk(&chain(5)), Ok(()));
    }

    #[test]
    fn an_altered_entry_is_named() {
        let mut entries = chain(5);
        entries[2].actor = "mallory".into();
        let error = walk(&entries).unwrap_err();
        assert_eq!((error.seq, error.kind), (3, "altered"));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut entries = chain(5);
        entries.remove(1);
        let error = walk(&entries).unwrap_err();
        assert_eq!((error.seq, error.kind), (3, "removed"));
    }

    #[test]
    fn an_inserted_entry_is_named() {
        let mut entries = chain(5);
        let mut forged = entries[1].clone();
        forged.detail = "forged".into();
        let forged = forged.seal();
        entries.insert(2, forged);
        let error = walk(&entries).unwrap_err();
        assert_eq!((error.seq, error.kind), (2, "inserted"));
    }

    #[test]
    fn a_truncated_end_is_found_against_the_head() {
        let entries = chain(5);
        let mut walker = ChainWalker::default();
        entries[..3].iter().for_each(|entry| walker.check(entry).unwrap());
        let error = walker.finish(Some((5, &entries[4].hash))).unwrap_err();
        assert_eq!((error.seq, error.kind), (4, "truncated"));
        let mut walker = ChainWalker::default();
        entries.iter().for_each(|entry| walker.check(entry).unwrap());
        assert_eq!(walker.finish(Some((5, &entries[4].hash))), Ok(()));
    }
}
