//! Folder manifests in CSV: a header row, then one row per file, matched on a `filename` column.
//! Column names are case-insensitive; lists (keywords, contributors) are separated by `;` or `|`.

use std::collections::HashMap;

use regie_core::sidecar::{Contributor, DeclaredFacts, DescriptiveMetadata, Sidecar};
use regie_core::{Md5Hex, Rational};

use super::parse_duration;

#[derive(Debug)]
pub(crate) struct CsvManifest {
    rows: HashMap<String, HashMap<String, String>>,
}

const FILE_COLUMNS: &[&str] = &["filename", "file_name", "file", "name", "path"];

impl CsvManifest {
    pub fn parse(text: &str) -> Result<Self, String> {
        let delimiter = if text.lines().next().is_some_and(|header| header.contains(';') && !header.contains(',')) {
            b';'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|error| error.to_string())?
            .iter()
            .map(|header| header.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
            .collect();
        let file_column = headers
            .iter()
            .position(|header| FILE_COLUMNS.contains(&header.as_str()))
            .ok_or("no filename column in the header")?;
        let mut rows = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|error| error.to_string())?;
            let Some(file) = record.get(file_column).map(str::trim).filter(|file| !file.is_empty()) else { continue };
            let file = file.rsplit(['/', '\\']).next().unwrap_or(file).to_owned();
            let values = headers
                .iter()
                .zip(record.iter())
                .filter(|(_, value)| !value.trim().is_empty())
                .map(|(header, value)| (header.clone(), value.trim().to_owned()))
                .collect();
            rows.insert(file, values);
        }
        Ok(Self { rows })
    }

    pub fn entry_for(&self, file_name: &str) -> Option<Sidecar> {
        let row = self
            .rows
            .get(file_name)
            .or_else(|| self.rows.iter().find(|(name, _)| name.eq_ignore_ascii_case(file_name)).map(|(_, row)| row))?;
        let text = |keys: &[&str]| keys.iter().find_map(|key| row.get(*key).cloned());
        let list = |keys: &[&str]| -> Vec<String> {
            text(keys)
                .map(|value| {
                    value.split([';', '|']).map(str::trim).filter(|item| !item.is_empty()).map(str::to_owned).collect()
                })
                .unwrap_or_default()
        };
        let number = |keys: &[&str]| text(keys).and_then(|value| value.parse::<u32>().ok());
        Some(Sidecar {
            descriptive: DescriptiveMetadata {
                title: text(&["title"]),
                series: text(&["series"]),
                episode: text(&["episode"]),
                synopsis: text(&["synopsis", "description"]),
                language: text(&["language"]),
                keywords: list(&["keywords", "keyword"]),
                contributors: list(&["contributors", "contributor"])
                    .into_iter()
                    .map(|name| Contributor { name, role: None })
                    .collect(),
                rights_holder: text(&["rights_holder", "rightsholder"]),
                capture_date: text(&["capture_date"]),
                air_date: text(&["air_date"]),
                ..DescriptiveMetadata::default()
            },
            declared: DeclaredFacts {
                md5: text(&["md5", "checksum"]).and_then(|value| Md5Hex::parse(&value).ok()),
                duration_s: text(&["duration_s", "duration"]).and_then(|value| parse_duration(&value)),
                width: number(&["width"]),
                height: number(&["height"]),
                frame_rate: text(&["frame_rate", "framerate", "fps"]).and_then(|value| Rational::parse_lenient(&value)),
                audio_tracks: number(&["audio_tracks"]),
            },
            sources: Vec::new(),
            subtitles: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_matched_by_file_name() {
        let manifest = CsvManifest::parse(
            "Filename,Title,Keywords,Duration,Frame Rate,Audio Tracks\nclips/a.mxf,Evening News,news; evening,00:00:10.0,25,8\nb.wav,Other,,,,\n",
        )
        .unwrap();
        let entry = manifest.entry_for("a.mxf").unwrap();
        assert_eq!(entry.descriptive.title.as_deref(), Some("Evening News"));
        assert_eq!(entry.descriptive.keywords, ["news", "evening"]);
        assert_eq!(entry.declared.duration_s, Some(10.0));
        assert_eq!(entry.declared.frame_rate.unwrap().to_string(), "25/1");
        assert_eq!(entry.declared.audio_tracks, Some(8));
        assert!(manifest.entry_for("c.mov").is_none());
    }

    #[test]
    fn a_manifest_without_a_file_column_is_refused() {
        assert!(CsvManifest::parse("title,year\nA,2020\n").unwrap_err().contains("filename"));
    }

    #[test]
    fn semicolon_separated_manifests_are_read() {
        let manifest = CsvManifest::parse("file;title\nx.mov;Titre\n").unwrap();
        assert_eq!(manifest.entry_for("X.MOV").unwrap().descriptive.title.as_deref(), Some("Titre"));
    }
}
