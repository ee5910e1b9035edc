//! Content keys, and their sealing at rest: each key is kept only encrypted with AES-256-GCM
//! under the installation's master key, its key id bound as associated data (a sealed key moved
//! to another id does not open).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;

use crate::ProtectError;

/// Bytes of the master key.
pub const MASTER_KEY_BYTES: usize = 32;

/// `N` bytes from the system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], ProtectError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| ProtectError::Random(error.to_string()))?;
    Ok(bytes)
}

/// A rendition's key: its public id and its secret 16 bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct ContentKey {
    pub id: [u8; 16],
    pub key: [u8; 16],
}

impl std::fmt::Debug for ContentKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("ContentKey").field("id", &self.id_hex()).field("key", &"(secret)").finish()
    }
}

impl ContentKey {
    pub fn generate() -> Result<Self, ProtectError> {
        Ok(Self { id: random_bytes()?, key: random_bytes()? })
    }

    /// The id as 32 hex digits: the `{id}` of `/api/v1/keys/{id}`.
    pub fn id_hex(&self) -> String {
        hex::encode(self.id)
    }

    /// The id and key as a ClearKey JSON Web Key (`kid` and `k` in unpadded base64url).
    pub fn jwk(&self) -> (String, String) {
        let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        (encode(&self.id), encode(&self.key))
    }
}

/// The installation's master key.
#[derive(Clone)]
pub struct MasterKey([u8; MASTER_KEY_BYTES]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("MasterKey(secret)")
    }
}

impl MasterKey {
    pub fn generate() -> Result<Self, ProtectError> {
        Ok(Self(random_bytes()?))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtectError> {
        let array: [u8; MASTER_KEY_BYTES] = bytes.try_into().map_err(|_| {
            ProtectError::MasterKey(format!("it holds {} bytes; a master key is {MASTER_KEY_BYTES}", bytes.len()))
        })?;
        Ok(Self(array))
    }

    pub fn as_bytes(&self) -> &[u8; MASTER_KEY_BYTES] {
        &self.0
    }

    /// The key sealed: base64 of a random 96-bit nonce and the ciphertext with its tag.
    pub fn seal(&self, key: &ContentKey) -> Result<String, ProtectError> {
        let nonce: [u8; 12] = random_bytes()?;
        let cipher = Aes256Gcm::new((&self.0).into());
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: &key.key, aad: &key.id })
            .map_err(|_| ProtectError::MasterKey("sealing failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// The key of `id` from its sealed form.
    pub fn unseal(&self, id: [u8; 16], sealed: &str) -> Result<ContentKey, ProtectError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|error| ProtectError::Unseal(error.to_string()))?;
        if bytes.len() != 12 + 16 + 16 {
            return Err(ProtectError::Unseal(format!("{} bytes sealed", bytes.len())));
        }
        let nonce: [u8; 12] = bytes[..12].try_into().map_err(|_| ProtectError::Unseal("no nonce".into()))?;
        let cipher = Aes256Gcm::new((&self.0).into());
        let opened = cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: &bytes[12..], aad: &id })
            .map_err(|_| ProtectError::Unseal("the tag does not match (another master key, or altered)".into()))?;
        let key: [u8; 16] = opened.as_slice().try_into().map_err(|_| ProtectError::Unseal("not 16 bytes".into()))?;
        Ok(ContentKey { id, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_with_its_master_key_and_its_id() {
        let master = MasterKey::generate().unwrap();
        let key = ContentKey::generate().unwrap();
        let sealed = master.seal(&key).unwrap();
        assert!(!sealed.contains(&hex::encode(key.key)));
        assert_eq!(master.unseal(key.id, &sealed).unwrap(), key);
        assert!(MasterKey::generate().unwrap().unseal(key.id, &sealed).is_err());
        assert!(master.unseal([0; 16], &sealed).is_err(), "moved to another id");
        assert!(MasterKey::from_bytes(&[1; 31]).is_err());
        assert_ne!(master.seal(&key).unwrap(), sealed, "a fresh nonce each time");
        assert!(!format!("{key:?}").contains(&hex::encode(key.key)));
    }
}
