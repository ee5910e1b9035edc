//! Contracts as data: who licensed what, where, on which platforms and when; whether a use is
//! allowed (naming the contract and clause that decided it) and which contracts' exclusivity
//! collide. Pure: the catalogue stores the contracts, the delivery and download paths ask here.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::CoreError;

/// The platforms and media regie knows by name; others are accepted as plain lower-case names.
pub const KNOWN_PLATFORMS: [&str; 8] = ["linear", "catch-up", "svod", "avod", "tvod", "download", "cinema", "mobile"];

/// ISO 3166-1 alpha-2 codes, officially assigned.
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ \
FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM \
JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB \
SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code, upper case.
pub fn parse_territory(text: &str) -> Result<String, CoreError> {
    let code = text.trim().to_ascii_uppercase();
    if code.len() == 2 && ISO_3166_ALPHA2.split(' ').any(|known| known == code) {
        Ok(code)
    } else {
        Err(CoreError::invalid("territory", text, "give an ISO 3166-1 alpha-2 country code such as FR, BE or GB"))
    }
}

/// A platform or medium: a known name, or a plain lower-case word (letters, digits, `-`).
pub fn parse_platform(text: &str) -> Result<String, CoreError> {
    let name = text.trim().to_ascii_lowercase();
    let plain = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if plain {
        Ok(name)
    } else {
        Err(CoreError::invalid(
            "platform",
            text,
            format!("give a platform such as {} (letters, digits and '-', at most 32)", KNOWN_PLATFORMS.join(", ")),
        ))
    }
}

/// Where a contract applies: every country (`WORLD`) or a list, less the excluded ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Territories {
    pub world: bool,
    pub included: BTreeSet<String>,
    pub excluded: BTreeSet<String>,
}

impl Territories {
    /// `WORLD -US -CA`, `FR BE LU`, `FR,BE`: space- (or comma-) separated codes, `-` excludes.
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let mut territories = Self { world: false, included: BTreeSet::new(), excluded: BTreeSet::new() };
        for word in text.split([' ', ',', ';']).filter(|word| !word.is_empty()) {
            if word.eq_ignore_ascii_case("WORLD") {
                territories.world = true;
            } else if let Some(excluded) = word.strip_prefix('-') {
                territories.excluded.insert(parse_territory(excluded)?);
            } else {
                territories.included.insert(parse_territory(word)?);
            }
        }
        if !territories.world && territories.included.is_empty() {
            return Err(CoreError::invalid(
                "territories",
                text,
                "name at least one country (ISO 3166 codes such as FR BE) or WORLD; '-XX' excludes one",
            ));
        }
        Ok(territories)
    }

    pub fn contains(&self, code: &str) -> bool {
        !self.excluded.contains(code) && (self.world || self.included.contains(code))
    }

    /// Countries both cover (a sample is enough: whether there is any).
    pub fn overlap(&self, other: &Self) -> Option<String> {
        match (self.world, other.world) {
            (true, true) => Some("WORLD".to_owned()),
            (true, false) => other.included.iter().find(|code| self.contains(code) && other.contains(code)).cloned(),
            (false, _) => self.included.iter().find(|code| self.contains(code) && other.contains(code)).cloned(),
        }
    }
}

impl fmt::Display for Territories {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words: Vec<String> = Vec::new();
        if self.world {
            words.push("WORLD".to_owned());
        }
        words.extend(self.included.iter().cloned());
        words.extend(self.excluded.iter().map(|code| format!("-{code}")));
        formatter.write_str(&words.join(" "))
    }
}

/// What a contract is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// One asset, by id.
    Asset(String),
    /// Every asset whose `series` is this name.
    Series(String),
}

/// One licence: holder, territories, platforms, window (both days included), exclusivity, runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contract {
    pub id: String,
    pub holder: String,
    pub subject: Subject,
    pub territories: Territories,
    pub platforms: BTreeSet<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub exclusive: bool,
    pub max_runs: Option<u32>,
    /// Deliveries already made under it.
    pub runs: u32,
}

impl Contract {
    /// `contract 0192abcd (holder Arte)`: how reasons name it.
    pub fn label(&self) -> String {
        format!("contract {} ({})", short(&self.id), self.holder)
    }

    fn window_overlaps(&self, other: &Self) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

/// A window as a contract or the command line writes it: `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, CoreError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::invalid("date", text, "write dates as YYYY-MM-DD, for example 2027-01-31"))
}

/// A use to check: where, on what, on which day.
#[derive(Debug, Clone)]
pub struct Use {
    pub territory: String,
    pub platform: String,
    pub on: NaiveDate,
}

/// Whether a use is allowed, and why, contract by contract.
#[derive(Debug, Clone, Serialize)]
pub struct RightsAnswer {
    pub allowed: bool,
    pub reasons: Vec<String>,
    /// The contract that allows it, when one does.
    pub contract: Option<String>,
}

/// Whether any of `contracts` (those attached to the asset or its series) allows `wanted`.
pub fn check(contracts: &[Contract], wanted: &Use) -> RightsAnswer {
    if contracts.is_empty() {
        return RightsAnswer {
            allowed: false,
            reasons: vec!["no contract covers this asset or its series: add one with `regie rights add`".to_owned()],
            contract: None,
        };
    }
    let mut reasons = Vec::new();
    for contract in contracts {
        match refusal(contract, wanted) {
            None => {
                return RightsAnswer {
                    allowed: true,
                    reasons: vec![format!(
                        "{} licenses {} on {} from {} to {}",
                        contract.label(),
                        wanted.territory,
                        wanted.platform,
                        contract.start,
                        contract.end
                    )],
                    contract: Some(contract.id.clone()),
                };
            }
            Some(reason) => reasons.push(format!("{}: {reason}", contract.label())),
        }
    }
    RightsAnswer { allowed: false, reasons, contract: None }
}

/// The first clause of `contract` that refuses `wanted`, in words.
fn refusal(contract: &Contract, wanted: &Use) -> Option<String> {
    if contract.territories.excluded.contains(&wanted.territory) {
        return Some(format!("territory clause excludes {}", wanted.territory));
    }
    if !contract.territories.contains(&wanted.territory) {
        return Some(format!("territory clause covers {} only, not {}", contract.territories, wanted.territory));
    }
    if !contract.platforms.contains(&wanted.platform) {
        let platforms: Vec<&str> = contract.platforms.iter().map(String::as_str).collect();
        return Some(format!("platform clause covers {} only, not {}", platforms.join(" "), wanted.platform));
    }
    if wanted.on < contract.start {
        return Some(format!("window opens on {}, after {}", contract.start, wanted.on));
    }
    if wanted.on > contract.end {
        return Some(format!("window closed on {}, before {}", contract.end, wanted.on));
    }
    if let Some(max) = contract.max_runs
        && contract.runs >= max
    {
        return Some(format!("runs clause: all {max} runs are used"));
    }
    None
}

/// An exclusivity collision between a new contract and one already held.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub contract: String,
    pub holder: String,
    pub reason: String,
}

/// Contracts of `existing` (same subject) that collide with `added`: either is exclusive, another
/// holder, and they share a country, a platform and a day.
pub fn exclusivity_conflicts(added: &Contract, existing: &[Contract]) -> Vec<Conflict> {
    existing
        .iter()
        .filter(|other| other.id != added.id && other.holder != added.holder && (other.exclusive || added.exclusive))
        .filter(|other| other.window_overlaps(added))
        .filter_map(|other| {
            let territory = other.territories.overlap(&added.territories)?;
            let platform = other.platforms.intersection(&added.platforms).next()?;
            let exclusive = if other.exclusive { other } else { added };
            Some(Conflict {
                contract: other.id.clone(),
                holder: other.holder.clone(),
                reason: format!(
                    "{} is exclusive and overlaps {} on {territory}, {platform}, between {} and {}",
                    exclusive.label(),
                    if other.exclusive { added.label() } else { other.label() },
                    other.start.max(added.start),
                    other.end.min(added.end)
                ),
            })
        })
        .collect()
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(id: &str, holder: &str, territories: &str, platforms: &str, window: (&str, &str)) -> Contract {
        Contract {
            id: id.to_owned(),
            holder: holder.to_owned(),
            subject: Subject::Asset("a".to_owned()),
            territories: Territories::parse(territories).unwrap(),
            platforms: platforms.split(' ').map(|name| parse_platform(name).unwrap()).collect(),
            start: parse_date(window.0).unwrap(),
            end: parse_date(window.1).unwrap(),
            exclusive: false,
            max_runs: None,
            runs: 0,
        }
    }

    fn wanted(territory: &str, platform: &str, on: &str) -> Use {
        Use { territory: territory.to_owned(), platform: platform.to_owned(), on: parse_date(on).unwrap() }
    }

    #[test]
    fn territories_parse_world_lists_and_exclusions() {
        let world = Territories::parse("WORLD -us -CA").unwrap();
        assert!(world.contains("FR"));
        assert!(!world.contains("US"));
        assert_eq!(world.to_string(), "WORLD -CA -US");
        let list = Territories::parse("FR,BE LU").unwrap();
        assert!(list.contains("LU") && !list.contains("DE"));
        assert!(Territories::parse("FR XX").unwrap_err().to_string().contains("ISO 3166"));
        assert!(Territories::parse("-FR").is_err(), "exclusions alone cover nothing");
        assert!(Territories::parse("").is_err());
    }

    #[test]
    fn a_use_inside_every_clause_is_allowed_and_names_the_contract() {
        let contracts = [contract("0192aaaa-1", "Arte", "FR BE", "svod avod", ("2026-01-01", "2026-12-31"))];
        let answer = check(&contracts, &wanted("FR", "svod", "2026-06-01"));
        assert!(answer.allowed);
        assert!(answer.reasons[0].contains("contract 0192aaaa (Arte) licenses FR on svod"), "{answer:?}");
        assert_eq!(answer.contract.as_deref(), Some("0192aaaa-1"));
    }

    #[test]
    fn each_clause_refuses_in_its_own_words() {
        let mut licence = contract("c1", "Arte", "WORLD -CH", "svod", ("2026-01-01", "2026-12-31"));
        let cases = [
            (wanted("CH", "svod", "2026-06-01"), "territory clause excludes CH"),
            (wanted("FR", "linear", "2026-06-01"), "platform clause covers svod only, not linear"),
            (wanted("FR", "svod", "2025-12-31"), "window opens on 2026-01-01"),
            (wanted("FR", "svod", "2027-01-01"), "window closed on 2026-12-31"),
        ];
        for (use_, expected) in cases {
            let answer = check(std::slice::from_ref(&licence), &use_);
            assert!(!answer.allowed);
            assert!(answer.reasons[0].contains(expected), "{expected}: {answer:?}");
        }
        licence.territories = Territories::parse("FR").unwrap();
        let answer = check(std::slice::from_ref(&licence), &wanted("DE", "svod", "2026-06-01"));
        assert!(answer.reasons[0].contains("covers FR only, not DE"), "{answer:?}");
        licence.max_runs = Some(2);
        licence.runs = 2;
        let answer = check(std::slice::from_ref(&licence), &wanted("FR", "svod", "2026-06-01"));
        assert!(answer.reasons[0].contains("all 2 runs are used"), "{answer:?}");
        assert!(!check(&[], &wanted("FR", "svod", "2026-06-01")).allowed);
    }

    #[test]
    fn one_allowing_contract_is_enough() {
        let contracts = [
            contract("c1", "Arte", "DE", "svod", ("2026-01-01", "2026-12-31")),
            contract("c2", "TF1", "FR", "svod", ("2026-01-01", "2026-12-31")),
        ];
        let answer = check(&contracts, &wanted("FR", "svod", "2026-03-01"));
        assert_eq!(answer.contract.as_deref(), Some("c2"));
    }

    #[test]
    fn exclusivity_collides_only_on_shared_country_platform_and_days() {
        let mut held = contract("c1", "Arte", "FR BE", "svod", ("2026-01-01", "2026-06-30"));
        held.exclusive = true;
        let overlapping = contract("c2", "Netflix", "WORLD", "svod avod", ("2026-06-01", "2026-12-31"));
        let conflicts = exclusivity_conflicts(&overlapping, std::slice::from_ref(&held));
        assert_eq!(conflicts.len(), 1);
        assert!(conflicts[0].reason.contains("contract c1 (Arte) is exclusive"), "{conflicts:?}");
        assert!(conflicts[0].reason.contains("between 2026-06-01 and 2026-06-30"), "{conflicts:?}");
        let later = contract("c3", "Netflix", "FR", "svod", ("2026-07-01", "2026-12-31"));
        assert!(exclusivity_conflicts(&later, std::slice::from_ref(&held)).is_empty());
        let elsewhere = contract("c4", "Netflix", "WORLD -FR -BE", "svod", ("2026-01-01", "2026-12-31"));
        assert!(exclusivity_conflicts(&elsewhere, std::slice::from_ref(&held)).is_empty());
        let other_platform = contract("c5", "Netflix", "FR", "linear", ("2026-01-01", "2026-12-31"));
        assert!(exclusivity_conflicts(&other_platform, std::slice::from_ref(&held)).is_empty());
        let same_holder = contract("c6", "Arte", "FR", "svod", ("2026-01-01", "2026-12-31"));
        assert!(exclusivity_conflicts(&same_holder, std::slice::from_ref(&held)).is_empty());
    }
}
