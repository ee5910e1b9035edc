//! Keeping media safe: storage tiers, the state of a copy as fixity found it, how many copies a
//! collection needs and where, and the PREMIS-style record of a preservation event.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{CollectionPath, CoreError};

/// The name of the store every blob is written to first (the data folder or `[storage] url`).
pub const PRIMARY: &str = "primary";

/// How fast and how dear a storage location is, hottest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Online,
    Nearline,
    Archive,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Online, Tier::Nearline, Tier::Archive];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Online => "online",
            Tier::Nearline => "nearline",
            Tier::Archive => "archive",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Tier::ALL
            .into_iter()
            .find(|tier| tier.as_str() == text)
            .ok_or_else(|| CoreError::invalid("tier", text, "use online, nearline or archive"))
    }
}

/// A copy's state as the last check (or the copy that made it) found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CopyState {
    /// Read in full and matching its BLAKE3 (and MD5 when it was computed).
    Ok,
    /// Read in full, but its content no longer matches: quarantined.
    Mismatch,
    /// Nothing under its address.
    Missing,
    /// There, but reading failed.
    Unreadable,
}

impl CopyState {
    pub fn as_str(self) -> &'static str {
        match self {
            CopyState::Ok => "ok",
            CopyState::Mismatch => "mismatch",
            CopyState::Missing => "missing",
            CopyState::Unreadable => "unreadable",
        }
    }

    pub fn is_ok(self) -> bool {
        self == CopyState::Ok
    }
}

impl FromStr for CopyState {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [CopyState::Ok, CopyState::Mismatch, CopyState::Missing, CopyState::Unreadable]
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| CoreError::invalid("copy state", text, "use ok, mismatch, missing or unreadable"))
    }
}

/// `[[copies]]`: every blob of an asset in `collection` (or below it) is kept `copies` times, at
/// least once in each of `locations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopiesRule {
    pub collection: CollectionPath,
    pub copies: u32,
    pub locations: Vec<String>,
}

impl CopiesRule {
    pub fn new(collection: CollectionPath, copies: u32, locations: Vec<String>) -> Result<Self, CoreError> {
        if copies == 0 || copies > 16 {
            return Err(CoreError::invalid("copies", copies.to_string(), "keep 1 to 16 copies"));
        }
        if locations.len() as u32 > copies {
            return Err(CoreError::invalid(
                "copies",
                copies.to_string(),
                format!("{} locations are named, so at least that many copies are needed", locations.len()),
            ));
        }
        Ok(Self { collection, copies, locations })
    }

    /// The rule that applies to `collection`: the one set on it or on its nearest ancestor; none
    /// means one copy, in the primary store.
    pub fn for_collection<'a>(rules: &'a [CopiesRule], collection: &CollectionPath) -> Option<&'a CopiesRule> {
        collection.lineage().iter().rev().find_map(|scope| rules.iter().find(|rule| &rule.collection == scope))
    }
}

/// A storage location as placement sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub name: String,
    pub tier: Tier,
}

/// Where new copies of a blob go so that it has `rule.copies` good copies and one in each named
/// location: the named locations it lacks first, then the others, hottest tier first and by
/// name. `holding` are the locations that already hold a good copy; `places` every location
/// known (the primary included). Fewer targets than needed when too few locations exist.
pub fn placement(rule: &CopiesRule, holding: &[String], places: &[Place]) -> Vec<String> {
    let mut targets: Vec<String> = Vec::new();
    for name in &rule.locations {
        if !holding.contains(name) && places.iter().any(|place| &place.name == name) {
            targets.push(name.clone());
        }
    }
    let mut others: Vec<&Place> =
        places.iter().filter(|place| !holding.contains(&place.name) && !targets.contains(&place.name)).collect();
    others.sort_by(|a, b| (a.tier, &a.name).cmp(&(b.tier, &b.name)));
    let wanted = (rule.copies as usize).saturating_sub(holding.len() + targets.len());
    targets.extend(others.into_iter().take(wanted).map(|place| place.name.clone()));
    targets
}

/// What a retention period is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RetentionClock {
    /// When the asset was catalogued.
    Ingest,
    /// Its `capture_date` (an asset without one is left alone).
    Capture,
    /// Its `air_date` (an asset without one is left alone).
    Air,
}

impl FromStr for RetentionClock {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "ingest" => Ok(Self::Ingest),
            "capture" => Ok(Self::Capture),
            "air" => Ok(Self::Air),
            _ => Err(CoreError::invalid("retention clock", text, "count from ingest, capture or air")),
        }
    }
}

/// What happens to an asset once its retention period is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RetentionAction {
    /// Into the trash (purged after the grace period).
    Trash,
    /// Its original's copies move to a location of this tier; the derived files stay.
    Move(Tier),
}

impl FromStr for RetentionAction {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "trash" {
            return Ok(Self::Trash);
        }
        text.parse::<Tier>()
            .map(Self::Move)
            .map_err(|_| CoreError::invalid("retention action", text, "then = \"trash\" or a tier (nearline, archive)"))
    }
}

/// `[[retention]]`: assets of `collection` (and below) are kept for `keep` counted from `from`,
/// then trashed or moved to a tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionRule {
    pub collection: CollectionPath,
    #[serde(serialize_with = "as_seconds")]
    pub keep: Duration,
    pub from: RetentionClock,
    pub then: RetentionAction,
}

fn as_seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(duration.as_secs())
}

impl RetentionRule {
    /// The rules that apply to `collection`: for each action, the nearest collection's.
    pub fn for_collection<'a>(rules: &'a [RetentionRule], collection: &CollectionPath) -> Vec<&'a RetentionRule> {
        let lineage = collection.lineage();
        let mut chosen: Vec<&RetentionRule> = Vec::new();
        for scope in lineage.iter().rev() {
            for rule in rules.iter().filter(|rule| &rule.collection == scope) {
                let same_kind = |other: &&RetentionRule| {
                    matches!((other.then, rule.then), (RetentionAction::Trash, RetentionAction::Trash))
                        || matches!((other.then, rule.then), (RetentionAction::Move(a), RetentionAction::Move(b)) if a == b)
                };
                if !chosen.iter().any(same_kind) {
                    chosen.push(rule);
                }
            }
        }
        chosen
    }

    /// When the period ends for an asset catalogued at `ingest` with these dates (RFC 3339 or
    /// `YYYY-MM-DD`); `None` when the date it counts from is missing or unreadable.
    pub fn due_at(
        &self,
        ingest: &str,
        capture: Option<&str>,
        air: Option<&str>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let start = match self.from {
            RetentionClock::Ingest => Some(ingest),
            RetentionClock::Capture => capture,
            RetentionClock::Air => air,
        }?;
        let start = chrono::DateTime::parse_from_rfc3339(start.trim())
            .map(|time| time.with_timezone(&chrono::Utc))
            .ok()
            .or_else(|| {
                let date = chrono::NaiveDate::parse_from_str(start.get(..10)?, "%Y-%m-%d").ok()?;
                Some(date.and_hms_opt(0, 0, 0)?.and_utc())
            })?;
        Some(start + chrono::Duration::from_std(self.keep).ok()?)
    }
}

/// An interval written `90d`, `12h`, `30m`, `45s`, `2w` or `10y` (a year is 365 days).
pub fn parse_interval(text: &str) -> Result<Duration, CoreError> {
    let text = text.trim();
    let invalid =
        || CoreError::invalid("interval", text, "write a whole number and a unit: 45s, 30m, 12h, 90d, 2w, 10y");
    let split = text.find(|character: char| !character.is_ascii_digit()).ok_or_else(invalid)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "y" => 365 * 86_400,
        _ => return Err(invalid()),
    };
    number
        .checked_mul(seconds)
        .filter(|total| *total > 0 && *total <= 200 * 365 * 86_400)
        .map(Duration::from_secs)
        .ok_or_else(invalid)
}

/// A preservation event as PREMIS records it (event type, outcome, agent, object), kept as the
/// detail of an audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreservationEvent {
    /// PREMIS event type: `fixity check`, `replication`, `quarantine`, `repair`, `deletion`.
    pub event_type: String,
    /// `success` or `failure`.
    pub outcome: String,
    /// What did it: `regie 0.1.0 (worker NAME)`, `regie 0.1.0 (cli)`.
    pub agent: String,
    /// The blob (content address).
    pub object: String,
    pub location: String,
    /// The outcome in words (expected and found digests, where a copy came from).
    pub detail: String,
}

impl PreservationEvent {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Vec<Place> {
        vec![
            Place { name: PRIMARY.to_owned(), tier: Tier::Online },
            Place { name: "tape".to_owned(), tier: Tier::Archive },
            Place { name: "second".to_owned(), tier: Tier::Online },
            Place { name: "cold".to_owned(), tier: Tier::Nearline },
        ]
    }

    fn rule(copies: u32, locations: &[&str]) -> CopiesRule {
        CopiesRule::new("news".parse().unwrap(), copies, locations.iter().map(|name| name.to_string()).collect())
            .unwrap()
    }

    #[test]
    fn named_locations_come_first_then_the_hottest() {
        let holding = vec![PRIMARY.to_owned()];
        assert_eq!(placement(&rule(2, &["tape"]), &holding, &places()), vec!["tape"]);
        assert_eq!(placement(&rule(3, &["tape"]), &holding, &places()), vec!["tape", "second"]);
        assert_eq!(placement(&rule(3, &[]), &holding, &places()), vec!["second", "cold"]);
        assert_eq!(placement(&rule(1, &[]), &holding, &places()), Vec::<String>::new());
    }

    #[test]
    fn a_named_location_is_needed_even_when_the_count_is_met() {
        let holding = vec![PRIMARY.to_owned(), "second".to_owned()];
        assert_eq!(placement(&rule(2, &["tape"]), &holding, &places()), vec!["tape"]);
    }

    #[test]
    fn a_missing_copy_is_replaced_elsewhere_when_its_location_is_gone() {
        assert_eq!(placement(&rule(2, &[]), &[], &places()), vec![PRIMARY, "second"]);
    }

    #[test]
    fn the_nearest_rule_applies() {
        let rules = vec![rule(2, &[]), CopiesRule::new("news/rushes".parse().unwrap(), 1, vec![]).unwrap()];
        let found = |path: &str| CopiesRule::for_collection(&rules, &path.parse().unwrap()).map(|rule| rule.copies);
        assert_eq!(found("news/evening"), Some(2));
        assert_eq!(found("news/rushes/today"), Some(1));
        assert_eq!(found("sport"), None);
    }

    #[test]
    fn retention_counts_from_the_right_date_and_the_nearest_rule_wins() {
        let rule = |collection: &str, keep: &str, from: &str, then: &str| RetentionRule {
            collection: collection.parse().unwrap(),
            keep: parse_interval(keep).unwrap(),
            from: from.parse().unwrap(),
            then: then.parse().unwrap(),
        };
        let rushes = rule("news/rushes", "90d", "ingest", "trash");
        let due = rushes.due_at("2026-01-01T10:00:00Z", None, None).unwrap();
        assert_eq!(due.to_rfc3339(), "2026-04-01T10:00:00+00:00");
        let aired = rule("news", "10y", "air", "trash");
        assert_eq!(aired.due_at("2026-01-01T10:00:00Z", None, None), None, "no air date: left alone");
        assert!(aired.due_at("2026-01-01T10:00:00Z", None, Some("2026-02-03")).is_some());
        let archive = rule("news", "30d", "ingest", "archive");
        let rules = vec![aired.clone(), rushes.clone(), archive.clone()];
        let found = RetentionRule::for_collection(&rules, &"news/rushes/today".parse().unwrap());
        assert_eq!(found, vec![&rushes, &archive]);
        assert!("glacier".parse::<RetentionAction>().is_err());
        assert!("birth".parse::<RetentionClock>().is_err());
    }

    #[test]
    fn rules_and_intervals_are_checked() {
        assert!(CopiesRule::new("news".parse().unwrap(), 1, vec!["a".into(), "b".into()]).is_err());
        assert!(CopiesRule::new("news".parse().unwrap(), 0, vec![]).is_err());
        assert_eq!(parse_interval("90d").unwrap(), Duration::from_secs(90 * 86_400));
        assert_eq!(parse_interval("10y").unwrap(), Duration::from_secs(3650 * 86_400));
        for bad in ["", "d", "90", "9x", "-1d", "0s", "99999999999999y"] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
        assert_eq!("archive".parse::<Tier>().unwrap(), Tier::Archive);
        assert!("cold".parse::<Tier>().is_err());
    }
}
