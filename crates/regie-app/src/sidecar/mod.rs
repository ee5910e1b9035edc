//! Reading sidecars: the files that come with media and say what it is. A sidecar with the media's
//! base name (`clip.json`, `clip.xml`, `clip.md5`, or `clip.mxf.json`...) describes that file;
//! a `.csv` or `.md5` in the folder that names several files is a folder manifest.
//! A sidecar that cannot be read never stops the ingest: it becomes a finding.

mod csv_manifest;
mod ebucore;
mod md5_list;
pub(crate) mod regie_json;
mod subtitles;

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use regie_core::sidecar::Sidecar;
use regie_core::{Finding, Severity};

/// Extensions that mark a file as a sidecar rather than media, when walking folders.
pub const SIDECAR_EXTENSIONS: &[&str] = &["json", "xml", "csv", "md5", "srt", "vtt"];

pub(crate) fn is_sidecar(path: &Path) -> bool {
    extension_of(path).is_some_and(|extension| SIDECAR_EXTENSIONS.contains(&extension.as_str()))
}

/// Extensions of a file's own sidecars (`clip.json`, `clip.mxf.xml`...).
const OWN_SIDECAR_EXTENSIONS: [&str; 3] = ["json", "xml", "md5"];

/// What the sidecars of one media file say, and the problems met reading them.
#[derive(Debug, Default)]
pub struct SidecarReading {
    pub sidecar: Sidecar,
    pub findings: Vec<Finding>,
}

/// Finds and reads sidecars, caching each folder's manifests.
#[derive(Debug, Default)]
pub struct SidecarReader {
    manifests: HashMap<PathBuf, Vec<(PathBuf, Manifest)>>,
    /// Each folder's subtitle files, listed once.
    subtitle_files: HashMap<PathBuf, Vec<PathBuf>>,
    /// The names of each folder's possible own sidecars (`.json`, `.xml`, `.md5`), listed once:
    /// thousands of files in a folder cost no six lookups each.
    own_sidecar_names: HashMap<PathBuf, HashSet<OsString>>,
}

#[derive(Debug)]
enum Manifest {
    Csv(csv_manifest::CsvManifest),
    Md5(md5_list::Md5List),
}

impl SidecarReader {
    /// Everything the sidecars of `media` declare: its own sidecars first, then folder manifests.
    pub fn read_for(&mut self, media: &Path) -> SidecarReading {
        let mut reading = SidecarReading::default();
        let Some(file_name) = media.file_name().and_then(|name| name.to_str()) else {
            return reading;
        };
        let folder = media.parent().unwrap_or(Path::new(".")).to_owned();
        let names = self.own_sidecar_names.entry(folder.clone()).or_insert_with(|| list_own_sidecar_names(&folder));
        for candidate in own_sidecar_candidates(media) {
            let listed = candidate.file_name().is_some_and(|name| names.contains(name));
            if !listed || !candidate.is_file() {
                continue;
            }
            match read_own_sidecar(&candidate, file_name) {
                Ok(sidecar) => reading.sidecar.merge(sidecar),
                Err(reason) => reading.findings.push(unreadable(&candidate, &reason)),
            }
        }
        let subtitle_files = self.subtitle_files.entry(folder.clone()).or_insert_with(|| list_subtitles(&folder));
        reading.sidecar.subtitles = subtitles::subtitles_for(media, subtitle_files, &mut reading.findings);
        let manifests =
            self.manifests.entry(folder.clone()).or_insert_with(|| load_manifests(&folder, &mut reading.findings));
        for (path, manifest) in manifests.iter() {
            let found = match manifest {
                Manifest::Csv(manifest) => manifest.entry_for(file_name),
                Manifest::Md5(list) => list.entry_for(file_name),
            };
            if let Some(mut sidecar) = found {
                sidecar.sources = vec![path.display().to_string()];
                reading.sidecar.merge(sidecar);
            }
        }
        reading
    }
}

/// `clip.json`, `clip.mxf.json`, and the same for `.xml` and `.md5`.
fn own_sidecar_candidates(media: &Path) -> Vec<PathBuf> {
    let mut candidates = Vec::new();
    for extension in OWN_SIDECAR_EXTENSIONS {
        candidates.push(media.with_extension(extension));
        let mut appended = media.as_os_str().to_owned();
        appended.push(format!(".{extension}"));
        candidates.push(PathBuf::from(appended));
    }
    candidates.retain(|candidate| candidate != media);
    candidates.dedup();
    candidates
}

fn read_own_sidecar(path: &Path, media_name: &str) -> Result<Sidecar, String> {
    let text = read_text(path)?;
    let mut sidecar = match extension_of(path).as_deref() {
        Some("json") => regie_json::parse(&text)?,
        Some("xml") => ebucore::parse(&text)?,
        Some("md5") => {
            md5_list::Md5List::parse(&text)?.entry_for_own(media_name).ok_or("it holds no checksum for this file")?
        }
        _ => return Err("unknown sidecar type".to_owned()),
    };
    sidecar.sources = vec![path.display().to_string()];
    Ok(sidecar)
}

/// The `.csv` and multi-entry `.md5` files of a folder.
fn load_manifests(folder: &Path, findings: &mut Vec<Finding>) -> Vec<(PathBuf, Manifest)> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
    paths.sort();
    let mut manifests = Vec::new();
    for path in paths {
        let manifest = match extension_of(&path).as_deref() {
            Some("csv") => read_text(&path).and_then(|text| csv_manifest::CsvManifest::parse(&text)).map(Manifest::Csv),
            Some("md5") => match read_text(&path).and_then(|text| md5_list::Md5List::parse(&text)) {
                Ok(list) if list.names_files() => Ok(Manifest::Md5(list)),
                _ => continue,
            },
            _ => continue,
        };
        match manifest {
            Ok(manifest) => manifests.push((path, manifest)),
            Err(reason) => findings.push(unreadable(&path, &reason)),
        }
    }
    manifests
}

fn list_own_sidecar_names(folder: &Path) -> HashSet<OsString> {
    let Ok(entries) = std::fs::read_dir(folder) else { return HashSet::new() };
    entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| extension_of(path).is_some_and(|extension| OWN_SIDECAR_EXTENSIONS.contains(&extension.as_str())))
        .filter_map(|path| path.file_name().map(ToOwned::to_owned))
        .collect()
}

fn list_subtitles(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            extension_of(path).is_some_and(|extension| subtitles::SUBTITLE_EXTENSIONS.contains(&extension.as_str()))
        })
        .collect();
    paths.sort();
    paths
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|error| error.to_string())?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec()).map_err(|_| "it is not UTF-8 text".to_owned())
}

fn unreadable(path: &Path, reason: &str) -> Finding {
    Finding::new("sidecar-unreadable", Severity::Warning, format!("cannot read sidecar {}: {reason}", path.display()))
}

pub(crate) fn extension_of(path: &Path) -> Option<String> {
    path.extension().and_then(|extension| extension.to_str()).map(str::to_ascii_lowercase)
}

/// Parses a duration given as seconds (`600`, `600.5`), `HH:MM:SS(.mmm)` or ISO 8601 `PT1H2M3.5S`.
pub(crate) fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then_some(seconds);
    }
    if let Some(iso) = text.strip_prefix("PT").or_else(|| text.strip_prefix("pt")) {
        let mut total = 0.0;
        let mut number = String::new();
        for character in iso.chars() {
            match character.to_ascii_uppercase() {
                'H' => total += number.parse::<f64>().ok()? * 3600.0,
                'M' => total += number.parse::<f64>().ok()? * 60.0,
                'S' => total += number.parse::<f64>().ok()?,
                digit => {
                    number.push(digit);
                    continue;
                }
            }
            number.clear();
        }
        return number.is_empty().then_some(total);
    }
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() == 3 {
        let hours: f64 = parts[0].parse().ok()?;
        let minutes: f64 = parts[1].parse().ok()?;
        let seconds: f64 = parts[2].parse().ok()?;
        return Some(hours * 3600.0 + minutes * 60.0 + seconds);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_every_sidecar_form() {
        assert_eq!(parse_duration("600"), Some(600.0));
        assert_eq!(parse_duration("PT1H2M3.5S"), Some(3723.5));
        assert_eq!(parse_duration("01:02:03.5"), Some(3723.5));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("PT5"), None);
    }

    #[test]
    fn own_sidecars_are_found_by_base_name_and_full_name() {
        let candidates = own_sidecar_candidates(Path::new("/in/clip.mxf"));
        assert!(candidates.contains(&PathBuf::from("/in/clip.json")));
        assert!(candidates.contains(&PathBuf::from("/in/clip.mxf.md5")));
    }
}
