//! Screeners: a per-recipient copy whose pictures carry a visible notice (recipient, date, house
//! id) burnt in where the profile's `[watermark]` says, so a leaked copy names its recipient.

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// `[watermark]` in a profile: where the notice goes and how visible it is.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatermarkSpec {
    #[serde(default)]
    pub position: WatermarkPosition,
    /// Of the text, 0.05 to 1 (its box is half as opaque).
    #[serde(default = "default_opacity")]
    pub opacity: f64,
    /// The text's height as a share of the picture's, 0.01 to 0.2.
    #[serde(default = "default_text_height")]
    pub text_height: f64,
    /// Also an invisible mark naming the recipient, robust to re-encoding, rescaling and
    /// trimming (read by `regie watermark detect`).
    #[serde(default = "default_invisible")]
    pub invisible: bool,
}

fn default_invisible() -> bool {
    true
}

fn default_opacity() -> f64 {
    0.5
}

fn default_text_height() -> f64 {
    0.04
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WatermarkPosition {
    TopLeft,
    TopRight,
    BottomLeft,
    #[default]
    BottomRight,
    Center,
}

impl WatermarkSpec {
    /// Why the values cannot be used, if they cannot.
    pub fn problem(&self) -> Option<&'static str> {
        if !(0.05..=1.0).contains(&self.opacity) {
            return Some("[watermark] opacity must be 0.05 to 1");
        }
        if !(0.01..=0.2).contains(&self.text_height) {
            return Some("[watermark] text_height must be 0.01 to 0.2 of the picture's height");
        }
        None
    }
}

/// The notice to burn into one recipient's copy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurnIn {
    pub text: String,
    pub spec: WatermarkSpec,
    /// The recipient's invisible mark, when the profile writes one.
    pub mark: Option<super::mark::InvisibleMark>,
}

/// Longest recipient name.
pub const MAX_RECIPIENT_LEN: usize = 64;

/// A recipient as given (`ACME Films`): letters, digits, spaces, `.`, `-`, `_` and `&`, at most
/// 64 characters, not blank.
pub fn check_recipient(recipient: &str) -> Result<(), CoreError> {
    let trimmed = recipient.trim();
    let allowed = |character: char| character.is_alphanumeric() || " .-_&".contains(character);
    if trimmed.is_empty() || trimmed != recipient || recipient.chars().count() > MAX_RECIPIENT_LEN {
        return Err(CoreError::invalid(
            "recipient",
            recipient,
            "give a name of 1 to 64 characters, without spaces around it",
        ));
    }
    if !recipient.chars().all(allowed) {
        return Err(CoreError::invalid("recipient", recipient, "use letters, digits, spaces, '.', '-', '_' and '&'"));
    }
    Ok(())
}

/// The recipient in a rendition's name: `acme-films`.
pub fn recipient_slug(recipient: &str) -> String {
    let mut slug = String::with_capacity(recipient.len());
    for character in recipient.chars().flat_map(char::to_lowercase) {
        if character.is_ascii_alphanumeric() {
            slug.push(character);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_owned()
}

/// The notice: `ACME Films · 2026-12-05 · NEWS-20261205-00042`.
pub fn notice(recipient: &str, date: &str, house_id: &str) -> String {
    format!("{recipient} · {date} · {house_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_plain_names_and_slugs_name_their_copies() {
        assert!(check_recipient("ACME Films & Co.").is_ok());
        assert!(check_recipient("Télé-Québec_2").is_ok());
        for hostile in ["", " ACME", "a:b", "it's", "x\\y", "%{localtime}", "a\nb", &"x".repeat(65)] {
            assert!(check_recipient(hostile).is_err(), "{hostile:?}");
        }
        assert_eq!(recipient_slug("ACME Films & Co."), "acme-films-co");
        assert_eq!(notice("ACME", "2026-12-05", "H-1"), "ACME · 2026-12-05 · H-1");
    }

    #[test]
    fn visibility_is_bounded() {
        let spec = |opacity, text_height| WatermarkSpec {
            position: WatermarkPosition::Center,
            opacity,
            text_height,
            invisible: true,
        };
        assert_eq!(spec(0.5, 0.04).problem(), None);
        assert!(spec(0.0, 0.04).problem().is_some());
        assert!(spec(0.5, 0.5).problem().is_some());
    }
}
