//! A segment: a range of frames of an asset's original (or one frame, for a marker), of a kind,
//! with text; and the approval states of review.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// The kinds regie itself writes or knows; a house may use others of the same form.
pub const KNOWN_KINDS: &[&str] =
    &["shot", "marker", "chapter", "ad-break", "black", "silence", "freeze", "comment", "subclip"];

/// What a segment is: one of `KNOWN_KINDS` or a house kind (lower case letters, digits and
/// hyphens, up to 32, starting with a letter).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SegmentKind(String);

impl SegmentKind {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let kind = text.trim().to_ascii_lowercase();
        let well_formed = (1..=32).contains(&kind.len())
            && kind.starts_with(|c: char| c.is_ascii_lowercase())
            && kind.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !well_formed {
            return Err(CoreError::invalid(
                "segment kind",
                text.chars().take(40).collect::<String>(),
                format!("use {} or a name of lower-case letters, digits and hyphens", KNOWN_KINDS.join(", ")),
            ));
        }
        Ok(Self(kind))
    }

    pub fn marker() -> Self {
        Self("marker".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The marker colour editing tools show for this kind (Avid's and OTIO's eight colours).
    pub fn colour(&self) -> &'static str {
        match self.0.as_str() {
            "comment" => "YELLOW",
            "chapter" => "BLUE",
            "ad-break" => "MAGENTA",
            "shot" => "CYAN",
            "black" => "BLACK",
            "silence" => "WHITE",
            "freeze" | "subclip" => "GREEN",
            _ => "RED",
        }
    }

    /// Detections written by QC (black, silence, freeze) and shots written by the detector are
    /// replaced wholesale when measured again; people's segments never are.
    pub fn is_measured(&self) -> bool {
        matches!(self.0.as_str(), "black" | "silence" | "freeze" | "shot")
    }
}

impl fmt::Display for SegmentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SegmentKind {
    type Error = CoreError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<SegmentKind> for String {
    fn from(kind: SegmentKind) -> Self {
        kind.0
    }
}

/// The most text a segment carries (a comment, a log note).
pub const MAX_TEXT: usize = 10_000;

/// A segment to be written: frames counted from the file's first frame (0); `end_frame` is the
/// out-point, the first frame after the range, and equals `start_frame` for a marker on one
/// instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub kind: SegmentKind,
    pub start_frame: u64,
    pub end_frame: u64,
    pub text: String,
}

impl Mark {
    /// Checks the range and the text.
    pub fn new(kind: SegmentKind, start_frame: u64, end_frame: u64, text: &str) -> Result<Self, CoreError> {
        if end_frame < start_frame {
            return Err(CoreError::invalid(
                "segment",
                format!("{start_frame}-{end_frame}"),
                "the out-point comes before the in-point",
            ));
        }
        let text = text.trim();
        if text.chars().count() > MAX_TEXT || text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(CoreError::invalid(
                "segment text",
                text.chars().take(40).collect::<String>(),
                format!("up to {MAX_TEXT} characters, without control characters"),
            ));
        }
        Ok(Self { kind, start_frame, end_frame, text: text.to_owned() })
    }
}

/// A stored segment as listed: frames and the same instants on the source's timecode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub id: String,
    pub asset_id: String,
    pub kind: SegmentKind,
    pub start_frame: u64,
    pub end_frame: u64,
    pub start_tc: String,
    pub end_tc: String,
    /// Seconds from the start of the file, for players.
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
    /// Who wrote it: a user's name, or what measured it (`qc`, `shots`).
    pub author: Option<String>,
    /// `user`, `qc`, `shots` or `import`.
    pub origin: String,
    pub created_at: String,
    pub updated_at: String,
    /// The comment this one answers (review threads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    /// A shot's representative keyframe (its BLAKE3 in the store, a JPEG).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyframe: Option<String>,
}

impl Segment {
    /// What an exchange format carries of it.
    pub fn mark(&self) -> Mark {
        Mark {
            kind: self.kind.clone(),
            start_frame: self.start_frame,
            end_frame: self.end_frame,
            text: self.text.clone(),
        }
    }
}

/// Where an asset stands in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalState {
    Pending,
    Approved,
    ChangesRequested,
    Rejected,
}

impl ApprovalState {
    pub const ALL: [Self; 4] = [Self::Pending, Self::Approved, Self::ChangesRequested, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::ChangesRequested => "changes-requested",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Result<Self, CoreError> {
        Self::ALL.into_iter().find(|state| state.as_str() == text.trim()).ok_or_else(|| {
            CoreError::invalid("approval state", text, "use pending, approved, changes-requested or rejected")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_known_or_well_formed_house_kinds() {
        assert_eq!(SegmentKind::parse(" Ad-Break ").unwrap().as_str(), "ad-break");
        assert_eq!(SegmentKind::parse("promo-slot2").unwrap().as_str(), "promo-slot2");
        for bad in ["", "2nd", "a b", "../x", &"k".repeat(33)] {
            assert!(SegmentKind::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_mark_needs_its_out_after_its_in_and_plain_text() {
        assert!(Mark::new(SegmentKind::marker(), 10, 10, "point").is_ok());
        assert!(Mark::new(SegmentKind::marker(), 10, 9, "").is_err());
        assert!(Mark::new(SegmentKind::marker(), 0, 1, "bell\u{7}").is_err());
        assert_eq!(Mark::new(SegmentKind::marker(), 0, 1, "  two\nlines ").unwrap().text, "two\nlines");
    }

    #[test]
    fn approval_states_round_trip() {
        for state in ApprovalState::ALL {
            assert_eq!(ApprovalState::parse(state.as_str()).unwrap(), state);
        }
        assert!(ApprovalState::parse("ok").is_err());
    }
}
