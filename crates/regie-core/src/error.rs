//! Errors raised when a value from outside (a flag, a config key, a sidecar field)
//! does not parse into a domain type.

/// A value that could not be turned into a domain type.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CoreError {
    #[error("invalid {what} {value:?}: {reason}")]
    Invalid { what: &'static str, value: String, reason: String },
}

impl CoreError {
    pub fn invalid(what: &'static str, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid { what, value: value.into(), reason: reason.into() }
    }

    /// A stable, kebab-case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid-value",
        }
    }
}
