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
