//! Checksums as typed hex strings, so an MD5 can never be passed where a BLAKE3 is expected.
//! BLAKE3 addresses the blob store; MD5 is what partners send and check; SHA-256 is optional.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::CoreError;

macro_rules! hex_digest {
    ($name:ident, $label:literal, $len:literal) => {
        #[doc = concat!("A lowercase hex ", $label, " digest.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, CoreError> {
                let trimmed = text.trim();
                if trimmed.len() != $len || !trimmed.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                    return Err(CoreError::invalid($label, text, concat!("expected ", $len, " hex digits")));
                }
                Ok(Self(trimmed.to_ascii_lowercase()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = CoreError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                Self::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(digest: $name) -> String {
                digest.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

hex_digest!(Md5Hex, "MD5", 32);
hex_digest!(Blake3Hex, "BLAKE3", 64);
hex_digest!(Sha256Hex, "SHA-256", 64);

/// Every digest computed for one file in its single read pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksums {
    pub md5: Md5Hex,
    pub blake3: Blake3Hex,
    pub sha256: Option<Sha256Hex>,
    pub size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_is_normalised_to_lowercase() {
        let digest = Md5Hex::parse(" D41D8CD98F00B204E9800998ECF8427E\n").unwrap();
        assert_eq!(digest.as_str(), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn md5_rejects_wrong_length_and_non_hex() {
        assert!(Md5Hex::parse("abc").is_err());
        assert!(Md5Hex::parse(&"z".repeat(32)).is_err());
        assert!(Blake3Hex::parse(&"a".repeat(32)).is_err());
    }
}
