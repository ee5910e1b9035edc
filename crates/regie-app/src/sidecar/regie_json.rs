//! regie's own JSON sidecar form, documented in `docs/sidecars.md`:
//! descriptive fields at the top level, declared technical facts under `declared`.

use std::collections::BTreeMap;

use regie_core::sidecar::{Contributor, DeclaredFacts, DescriptiveMetadata, Sidecar};
use regie_core::{Md5Hex, Rational};
use serde::Deserialize;

/// The JSON sidecar as written by people and other systems.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RegieSidecar {
    pub title: Option<String>,
    pub series: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub episode: Option<String>,
    pub synopsis: Option<String>,
    pub language: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub contributors: Vec<ContributorEntry>,
    pub rights_holder: Option<String>,
    pub capture_date: Option<String>,
    pub air_date: Option<String>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    #[serde(default)]
    pub declared: DeclaredEntry,
}

/// A contributor, written either as a plain name or as `{"name", "role"}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum ContributorEntry {
    Name(String),
    Full { name: String, role: Option<String> },
}

impl ContributorEntry {
    pub(crate) fn into_contributor(self) -> Contributor {
        match self {
            Self::Name(name) => Contributor { name, role: None },
            Self::Full { name, role } => Contributor { name, role },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeclaredEntry {
    pub md5: Option<String>,
    pub duration_s: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub frame_rate: Option<String>,
    pub audio_tracks: Option<u32>,
}

pub(crate) fn parse(text: &str) -> Result<Sidecar, String> {
    let raw: RegieSidecar = serde_json::from_str(text).map_err(|error| format!("invalid JSON sidecar: {error}"))?;
    let md5 = raw.declared.md5.as_deref().map(Md5Hex::parse).transpose().map_err(|error| error.to_string())?;
    let frame_rate = match raw.declared.frame_rate.as_deref() {
        Some(text) => Some(Rational::parse_lenient(text).ok_or_else(|| format!("invalid frame_rate {text:?}"))?),
        None => None,
    };
    Ok(Sidecar {
        descriptive: DescriptiveMetadata {
            title: raw.title,
            series: raw.series,
            episode: raw.episode,
            synopsis: raw.synopsis,
            language: raw.language,
            keywords: raw.keywords,
            contributors: raw.contributors.into_iter().map(ContributorEntry::into_contributor).collect(),
            rights_holder: raw.rights_holder,
            capture_date: raw.capture_date,
            air_date: raw.air_date,
            fields: raw.fields,
            ..DescriptiveMetadata::default()
        },
        declared: DeclaredFacts {
            md5,
            duration_s: raw.declared.duration_s,
            width: raw.declared.width,
            height: raw.declared.height,
            frame_rate,
            audio_tracks: raw.declared.audio_tracks,
        },
        sources: Vec::new(),
        subtitles: Vec::new(),
    })
}

pub(crate) fn string_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(serde_json::Value::String(text)) => Some(text),
        Some(serde_json::Value::Number(number)) => Some(number.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_form_is_read_whole() {
        let sidecar = parse(
            r#"{"title": "Le Journal", "series": "JT", "episode": 12, "language": "fr",
                "keywords": ["news"], "contributors": ["Anne", {"name": "Bob", "role": "director"}],
                "rights_holder": "France TV",
                "declared": {"md5": "D41D8CD98F00B204E9800998ECF8427E", "duration_s": 10.0, "width": 1920,
                             "height": 1080, "frame_rate": "29.97", "audio_tracks": 8}}"#,
        )
        .unwrap();
        assert_eq!(sidecar.descriptive.episode.as_deref(), Some("12"));
        assert_eq!(sidecar.descriptive.contributors[1].role.as_deref(), Some("director"));
        assert_eq!(sidecar.declared.md5.unwrap().as_str(), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(sidecar.declared.frame_rate.unwrap().to_string(), "30000/1001");
        assert_eq!(sidecar.declared.audio_tracks, Some(8));
    }

    #[test]
    fn bad_sidecars_say_why() {
        assert!(parse("{").unwrap_err().contains("invalid JSON"));
        assert!(parse(r#"{"declared": {"md5": "nope"}}"#).unwrap_err().contains("MD5"));
    }
}
