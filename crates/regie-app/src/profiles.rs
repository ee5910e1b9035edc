//! Transcoding profiles: built-ins ship inside the binary (`profiles/*.toml`); a house adds its
//! own as `DATA/profiles/NAME.toml` or names a TOML file.

use std::path::Path;

use regie_core::profile::Profile;

use crate::AppError;
use crate::named_toml::{Lookup, find_definition, known, toml_reason};

/// The profiles built into regie, by name. `proxy` is the one made at ingest.
pub const BUILT_IN_PROFILES: &[(&str, &str)] = &[
    ("proxy", include_str!("../profiles/proxy.toml")),
    ("web-ladder", include_str!("../profiles/web-ladder.toml")),
    ("broadcast-xdcamhd50", include_str!("../profiles/broadcast-xdcamhd50.toml")),
    ("prores-hq", include_str!("../profiles/prores-hq.toml")),
    ("mobile-540p", include_str!("../profiles/mobile-540p.toml")),
    ("audio-bwf", include_str!("../profiles/audio-bwf.toml")),
    ("web-ladder-hevc", include_str!("../profiles/web-ladder-hevc.toml")),
    ("web-ladder-av1", include_str!("../profiles/web-ladder-av1.toml")),
    ("screener", include_str!("../profiles/screener.toml")),
];

/// A profile and the TOML it came from (queued with the job, so the job runs what was asked
/// even if the file changes before a worker picks it up).
#[derive(Debug, Clone)]
pub struct LoadedProfile {
    pub profile: Profile,
    pub text: String,
}

/// Finds a profile: a built-in, `DATA/profiles/NAME.toml`, or (`Lookup::ByNameOrPath`) a path
/// to a TOML file.
pub fn load_profile(name: &str, data_dir: &Path, lookup: Lookup) -> Result<LoadedProfile, AppError> {
    let (text, origin) = find_definition(name, BUILT_IN_PROFILES, data_dir, "profiles", "profile", lookup)?
        .ok_or_else(|| AppError::UnknownProfile { name: name.to_owned(), known: known(BUILT_IN_PROFILES) })?;
    let profile = parse_profile(&text, &origin)?;
    Ok(LoadedProfile { profile, text })
}

/// A profile as a list shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProfileSummary {
    pub name: String,
    pub description: String,
    /// `built-in` or `house`.
    pub origin: &'static str,
}

impl crate::Regie {
    /// The built-in profiles, then the valid house profiles of `DATA/profiles/` (by plain name).
    pub fn profiles(&self) -> Vec<ProfileSummary> {
        let mut list: Vec<ProfileSummary> = BUILT_IN_PROFILES
            .iter()
            .filter_map(|(name, text)| parse_profile(text, name).ok())
            .map(|profile| ProfileSummary { name: profile.name, description: profile.description, origin: "built-in" })
            .collect();
        let folder = self.settings.data_dir.join("profiles");
        let mut house: Vec<ProfileSummary> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_str()?.strip_suffix(".toml")?.to_owned();
                let loaded = load_profile(&name, &self.settings.data_dir, Lookup::ByName).ok()?;
                Some(ProfileSummary { name, description: loaded.profile.description, origin: "house" })
            })
            .filter(|summary| !list.iter().any(|built_in| built_in.name == summary.name))
            .collect();
        house.sort_by(|left, right| left.name.cmp(&right.name));
        list.extend(house);
        list
    }
}

pub(crate) fn parse_profile(text: &str, origin: &str) -> Result<Profile, AppError> {
    let invalid = |reason: String| AppError::InvalidProfile { origin: origin.to_owned(), reason };
    let profile: Profile = toml::from_str(text).map_err(|error| invalid(toml_reason(&error, text)))?;
    profile.validate().map_err(|error| invalid(error.to_string()))?;
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_loads_under_its_own_name() {
        for (name, _) in BUILT_IN_PROFILES {
            let loaded = load_profile(name, Path::new("/nonexistent"), Lookup::ByName).unwrap();
            assert_eq!(loaded.profile.name, *name);
        }
    }

    #[test]
    fn an_unknown_profile_names_the_built_ins() {
        let error = load_profile("vhs", Path::new("/nonexistent"), Lookup::ByName).unwrap_err();
        assert!(error.to_string().contains("web-ladder, broadcast-xdcamhd50"), "{error}");
    }
}
