//! What can go wrong protecting a package.

#[derive(Debug, thiserror::Error)]
pub enum ProtectError {
    #[error("cannot encrypt {what}: {reason}")]
    Malformed { what: &'static str, reason: String },
    #[error("cannot encrypt {what}: {reason}")]
    Unsupported { what: &'static str, reason: String },
    #[error("the master key is unusable: {0}")]
    MasterKey(String),
    #[error("a sealed content key does not open with this installation's master key: {0}")]
    Unseal(String),
    #[error("no random bytes from the system: {0}")]
    Random(String),
}

impl ProtectError {
    pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> Self {
        Self::Malformed { what, reason: reason.into() }
    }
}
