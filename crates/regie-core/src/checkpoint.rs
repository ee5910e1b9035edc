//! Signed checkpoints of the audit trail. The entries' seals are the leaves of an RFC 6962
//! Merkle tree; its head (origin, size, root) is written in the C2SP checkpoint format and
//! signed with Ed25519 as a C2SP signed note. Whoever keeps a checkpoint and the public key
//! outside the data folder can tell that the first `size` entries are still the ones signed,
//! even if the whole chain and its head were rewritten consistently afterwards.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::CoreError;

/// The signature algorithm byte of an Ed25519 note key.
const ED25519: u8 = 0x01;
/// The dash that starts a signature line of a signed note (U+2014).
const SIGNATURE_DASH: &str = "\u{2014}";

/// An RFC 6962 Merkle tree head computed leaf by leaf in constant memory per level: a stack of
/// the roots of perfect subtrees, merged as they fill.
#[derive(Debug, Clone, Default)]
pub struct TreeBuilder {
    stack: Vec<(u64, [u8; 32])>,
    size: u64,
}

fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(leaf);
    hasher.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

impl TreeBuilder {
    pub fn push(&mut self, leaf: &[u8]) {
        let mut node = (1u64, leaf_hash(leaf));
        while let Some(top) = self.stack.last()
            && top.0 == node.0
        {
            let (size, left) = self.stack.pop().expect("checked above");
            node = (size * 2, node_hash(&left, &node.1));
        }
        self.stack.push(node);
        self.size += 1;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree head of the leaves pushed so far (the hash of nothing for an empty tree).
    pub fn root(&self) -> [u8; 32] {
        let mut nodes = self.stack.iter().rev();
        let Some((_, last)) = nodes.next() else { return Sha256::digest([]).into() };
        nodes.fold(*last, |right, (_, left)| node_hash(left, &right))
    }
}

/// A checkpoint: which log, how many entries, and the tree head over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: [u8; 32],
}

/// A public key able to check signatures, in the note verifier form
/// `NAME+KEYID+BASE64(0x01 || KEY)`.
#[derive(Debug, Clone)]
pub struct NoteVerifier {
    pub name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

fn key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b"\n");
    hasher.update([ED25519]);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn invalid(what: &'static str, value: &str, reason: &str) -> CoreError {
    CoreError::invalid(what, value.chars().take(80).collect::<String>(), reason)
}

impl NoteVerifier {
    pub fn of(name: &str, signing: &SigningKey) -> Self {
        let key = signing.verifying_key();
        Self { name: name.to_owned(), key_id: key_id(name, &key), key }
    }

    pub fn encode(&self) -> String {
        let mut raw = vec![ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex::encode(self.key_id), STANDARD.encode(raw))
    }

    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let text = text.trim();
        let bad = |reason| invalid("verifier key", text, reason);
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected NAME+KEYID+KEY"));
        };
        let raw = STANDARD.decode(key).map_err(|_| bad("the key is not base64"))?;
        if raw.len() != 33 || raw[0] != ED25519 {
            return Err(bad("not an Ed25519 key"));
        }
        let bytes: [u8; 32] = raw[1..].try_into().map_err(|_| bad("not an Ed25519 key"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| bad("not an Ed25519 key"))?;
        let verifier = Self { name: name.to_owned(), key_id: key_id(name, &key), key };
        if hex::encode(verifier.key_id) != id {
            return Err(bad("the key id does not match the name and key"));
        }
        Ok(verifier)
    }
}

impl Checkpoint {
    /// The checkpoint text that is signed.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, STANDARD.encode(self.root))
    }

    /// The signed note: the body, a blank line, and the signature line.
    pub fn sign(&self, name: &str, key: &SigningKey) -> String {
        let body = self.body();
        let signature = key.sign(body.as_bytes());
        let mut raw = key_id(name, &key.verifying_key()).to_vec();
        raw.extend_from_slice(&signature.to_bytes());
        format!("{body}\n{SIGNATURE_DASH} {name} {}\n", STANDARD.encode(raw))
    }

    /// Reads a signed checkpoint and checks its signature by `verifier`.
    pub fn open(text: &str, verifier: &NoteVerifier) -> Result<Self, CoreError> {
        let bad = |reason| invalid("checkpoint", text, reason);
        let (body, signatures) = text.split_once("\n\n").ok_or_else(|| bad("no signature after the text"))?;
        let body = format!("{body}\n");
        let signed = signatures.lines().filter_map(|line| line.strip_prefix(SIGNATURE_DASH)).any(|line| {
            let mut words = line.trim().splitn(2, ' ');
            let (Some(name), Some(signature)) = (words.next(), words.next()) else { return false };
            let Ok(raw) = STANDARD.decode(signature.trim()) else { return false };
            if name != verifier.name || raw.len() != 68 || raw[..4] != verifier.key_id {
                return false;
            }
            let Ok(signature) = Signature::from_slice(&raw[4..]) else { return false };
            verifier.key.verify(body.as_bytes(), &signature).is_ok()
        });
        if !signed {
            return Err(bad("no valid signature by the given key"));
        }
        let mut lines = body.lines();
        let origin = lines.next().unwrap_or_default().to_owned();
        let size = lines.next().and_then(|line| line.parse().ok()).ok_or_else(|| bad("no tree size"))?;
        let root: [u8; 32] = lines
            .next()
            .and_then(|line| STANDARD.decode(line).ok())
            .and_then(|raw| raw.try_into().ok())
            .ok_or_else(|| bad("no root hash"))?;
        Ok(Self { origin, size, root })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962's recursive definition, for comparison.
    fn reference_root(leaves: &[Vec<u8>]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let split = n.next_power_of_two() / 2;
                let split = if split == n { n / 2 } else { split };
                node_hash(&reference_root(&leaves[..split]), &reference_root(&leaves[split..]))
            }
        }
    }

    #[test]
    fn the_streamed_root_is_rfc_6962s() {
        let leaves: Vec<Vec<u8>> = (0..37u32).map(|index| index.to_le_bytes().to_vec()).collect();
        let mut builder = TreeBuilder::default();
        for (count, leaf) in leaves.iter().enumerate() {
            assert_eq!(builder.root(), reference_root(&leaves[..count]), "{count} leaves");
            builder.push(leaf);
        }
        assert_eq!(builder.root(), reference_root(&leaves));
        assert_eq!(builder.size(), 37);
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_key_only() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let verifier = NoteVerifier::of("regie-audit", &key);
        let parsed = NoteVerifier::parse(&verifier.encode()).unwrap();
        let checkpoint = Checkpoint { origin: "regie audit test".to_owned(), size: 12, root: [9u8; 32] };
        let text = checkpoint.sign("regie-audit", &key);
        assert!(text.contains("\n\n\u{2014} regie-audit "), "{text}");
        assert_eq!(Checkpoint::open(&text, &parsed).unwrap(), checkpoint);

        let other = NoteVerifier::of("regie-audit", &SigningKey::from_bytes(&[8u8; 32]));
        assert!(Checkpoint::open(&text, &other).is_err(), "another key");
        let forged = text.replace("\n12\n", "\n13\n");
        assert!(Checkpoint::open(&forged, &parsed).is_err(), "a changed size");
        let mut bad_id = verifier.encode();
        bad_id.replace_range(12..14, "00");
        assert!(NoteVerifier::parse(&bad_id).is_err() || bad_id == verifier.encode());
    }
}
