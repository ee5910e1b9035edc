//! What a sidecar says about its media: descriptive metadata to keep, and declared facts to
//! check against what the file really is. The readers for each sidecar form live in regie-app;
//! this module owns the types and the comparison, which is pure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Checksums, Finding, Md5Hex, MediaDescription, Rational, Severity, StreamKind};

/// Descriptive metadata, as stored on the asset and shown under `metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescriptiveMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub episode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synopsis: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<Contributor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights_holder: Option<String>,
    /// When the material was shot or recorded, `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_date: Option<String>,
    /// When it was (first) broadcast, same form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub air_date: Option<String>,
    /// The house's own fields (`department`, `archive_box`...); `[search.fields]` says how each
    /// is indexed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// Technical facts as an archive's catalogue records them, for records without media (a
    /// measured file always takes precedence).
    #[serde(default, skip_serializing_if = "CataloguedFacts::is_empty")]
    pub catalogued: CataloguedFacts,
}

impl DescriptiveMetadata {
    /// Takes every field `newer` gives (a later catalogue record wins); keeps the others.
    pub fn update_with(&mut self, newer: DescriptiveMetadata) {
        let take = |mine: &mut Option<String>, theirs: Option<String>| {
            if theirs.is_some() {
                *mine = theirs;
            }
        };
        take(&mut self.title, newer.title);
        take(&mut self.series, newer.series);
        take(&mut self.episode, newer.episode);
        take(&mut self.synopsis, newer.synopsis);
        take(&mut self.language, newer.language);
        take(&mut self.rights_holder, newer.rights_holder);
        take(&mut self.capture_date, newer.capture_date);
        take(&mut self.air_date, newer.air_date);
        if !newer.keywords.is_empty() {
            self.keywords = newer.keywords;
        }
        if !newer.contributors.is_empty() {
            self.contributors = newer.contributors;
        }
        self.fields.extend(newer.fields);
        if !newer.catalogued.is_empty() {
            self.catalogued = newer.catalogued;
        }
    }
}

/// Technical facts written in a catalogue record rather than measured from a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CataloguedFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codecs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// `mono`, `stereo`, `5.1`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_layout: Option<String>,
}

impl CataloguedFacts {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contributor {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl DescriptiveMetadata {
    /// Fills the fields this one lacks from `other` (the first sidecar to name a field wins).
    pub fn fill_from(&mut self, other: DescriptiveMetadata) {
        let fill = |mine: &mut Option<String>, theirs: Option<String>| {
            if mine.is_none() {
                *mine = theirs;
            }
        };
        fill(&mut self.title, other.title);
        fill(&mut self.series, other.series);
        fill(&mut self.episode, other.episode);
        fill(&mut self.synopsis, other.synopsis);
        fill(&mut self.language, other.language);
        fill(&mut self.rights_holder, other.rights_holder);
        fill(&mut self.capture_date, other.capture_date);
        fill(&mut self.air_date, other.air_date);
        for (name, value) in other.fields {
            self.fields.entry(name).or_insert(value);
        }
        if self.catalogued.is_empty() {
            self.catalogued = other.catalogued;
        }
        for keyword in other.keywords {
            if !self.keywords.contains(&keyword) {
                self.keywords.push(keyword);
            }
        }
        for contributor in other.contributors {
            if !self.contributors.contains(&contributor) {
                self.contributors.push(contributor);
            }
        }
    }
}

/// Technical facts a sidecar declares, to be checked against the measured file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeclaredFacts {
    pub md5: Option<Md5Hex>,
    pub duration_s: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub frame_rate: Option<Rational>,
    /// Number of audio tracks (streams) expected.
    pub audio_tracks: Option<u32>,
}

impl DeclaredFacts {
    pub fn fill_from(&mut self, other: DeclaredFacts) {
        self.md5 = self.md5.take().or(other.md5);
        self.duration_s = self.duration_s.or(other.duration_s);
        self.width = self.width.or(other.width);
        self.height = self.height.or(other.height);
        self.frame_rate = self.frame_rate.or(other.frame_rate);
        self.audio_tracks = self.audio_tracks.or(other.audio_tracks);
    }
}

/// Everything learnt from the sidecars of one media file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sidecar {
    pub descriptive: DescriptiveMetadata,
    pub declared: DeclaredFacts,
    /// The sidecar files read, for the record.
    pub sources: Vec<String>,
    /// Subtitle files (`clip.srt`, `clip.fr.vtt`).
    pub subtitles: Vec<crate::subtitle::SubtitleTrack>,
}

impl Sidecar {
    pub fn merge(&mut self, other: Sidecar) {
        self.descriptive.fill_from(other.descriptive);
        self.declared.fill_from(other.declared);
        self.sources.extend(other.sources);
        self.subtitles.extend(other.subtitles);
    }
}

/// The frame duration used as tolerance when no video frame rate is known (25 fps).
const FALLBACK_FRAME_S: f64 = 0.04;

/// Compares what sidecars declared with what was measured; each mismatch is a finding.
pub fn compare_declared(
    declared: &DeclaredFacts,
    checksums: &Checksums,
    media: Option<&MediaDescription>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(md5) = &declared.md5
        && md5 != &checksums.md5
    {
        findings.push(Finding::new(
            "checksum-mismatch",
            Severity::Error,
            format!("the sidecar declares MD5 {md5} but the file's MD5 is {}", checksums.md5),
        ));
    }
    let Some(media) = media else {
        return findings;
    };
    let video = media.main_video();
    let frame_rate = video.and_then(|stream| stream.frame_rate);
    let frame_s = frame_rate.map_or(FALLBACK_FRAME_S, |rate| 1.0 / rate.as_f64());
    if let (Some(expected), Some(measured)) = (declared.duration_s, media.duration_s)
        && (expected - measured).abs() > frame_s + 1e-6
    {
        findings.push(Finding::new(
            "duration-mismatch",
            Severity::Error,
            format!(
                "the sidecar declares {expected:.3} s but the media lasts {measured:.3} s ({:+.3} s, more than one frame)",
                measured - expected
            ),
        ));
    }
    let measured_size = video.map(|stream| (stream.width, stream.height));
    let size_differs = |declared: Option<u32>, measured: Option<u32>| declared.is_some() && declared != measured;
    if let Some((width, height)) = measured_size {
        if size_differs(declared.width, width) || size_differs(declared.height, height) {
            findings.push(Finding::new(
                "resolution-mismatch",
                Severity::Error,
                format!(
                    "the sidecar declares {} but the video is {}",
                    describe_size(declared.width, declared.height),
                    describe_size(width, height)
                ),
            ));
        }
    } else if declared.width.is_some() || declared.height.is_some() {
        findings.push(Finding::new(
            "video-missing",
            Severity::Error,
            "the sidecar declares a picture size but the file has no video",
        ));
    }
    if let Some(expected) = declared.frame_rate
        && video.is_some()
        && Some(expected) != frame_rate
    {
        let measured = frame_rate.map_or("none".to_owned(), |rate| rate.to_string());
        findings.push(Finding::new(
            "frame-rate-mismatch",
            Severity::Error,
            format!("the sidecar declares {expected} fps but the video is {measured} fps"),
        ));
    }
    let audio_tracks = media.streams_of(StreamKind::Audio).count() as u32;
    if let Some(expected) = declared.audio_tracks
        && audio_tracks < expected
    {
        findings.push(Finding::new(
            "audio-tracks-missing",
            Severity::Error,
            format!("the sidecar declares {expected} audio tracks but the file has {audio_tracks}"),
        ));
    }
    findings
}

fn describe_size(width: Option<u32>, height: Option<u32>) -> String {
    let side = |value: Option<u32>| value.map_or("?".to_owned(), |value| value.to_string());
    format!("{}x{}", side(width), side(height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Blake3Hex, StreamDescription};

    fn checksums() -> Checksums {
        Checksums {
            md5: Md5Hex::parse(&"a".repeat(32)).unwrap(),
            blake3: Blake3Hex::parse(&"b".repeat(64)).unwrap(),
            sha256: None,
            size: 10,
        }
    }

    fn media_1080p25_with_two_audio_tracks() -> MediaDescription {
        let video = StreamDescription {
            width: Some(1920),
            height: Some(1080),
            frame_rate: Rational::new(25, 1),
            ..StreamDescription::of_kind(StreamKind::Video)
        };
        let audio = StreamDescription::of_kind(StreamKind::Audio);
        MediaDescription {
            container: "mxf".into(),
            duration_s: Some(10.0),
            bit_rate: None,
            timecode: None,
            operational_pattern: None,
            streams: vec![video, audio.clone(), audio],
            image: None,
            prober: None,
            sequence: None,
        }
    }

    fn codes(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|finding| finding.code.as_str()).collect()
    }

    #[test]
    fn a_later_record_replaces_what_it_gives_and_keeps_the_rest() {
        let mut stored = DescriptiveMetadata {
            title: Some("Old".into()),
            synopsis: Some("Kept".into()),
            keywords: vec!["a".into()],
            ..DescriptiveMetadata::default()
        };
        stored.update_with(DescriptiveMetadata {
            title: Some("New".into()),
            air_date: Some("2026-03-14".into()),
            ..DescriptiveMetadata::default()
        });
        assert_eq!(stored.title.as_deref(), Some("New"));
        assert_eq!(stored.synopsis.as_deref(), Some("Kept"));
        assert_eq!(stored.keywords, vec!["a".to_owned()]);
        assert_eq!(stored.air_date.as_deref(), Some("2026-03-14"));
    }

    #[test]
    fn matching_declarations_give_no_findings() {
        let declared = DeclaredFacts {
            md5: Some(checksums().md5),
            duration_s: Some(10.039),
            width: Some(1920),
            height: Some(1080),
            frame_rate: Rational::new(25, 1),
            audio_tracks: Some(2),
        };
        let media = media_1080p25_with_two_audio_tracks();
        assert!(compare_declared(&declared, &checksums(), Some(&media)).is_empty());
    }

    #[test]
    fn every_mismatch_becomes_a_finding() {
        let declared = DeclaredFacts {
            md5: Some(Md5Hex::parse(&"c".repeat(32)).unwrap()),
            duration_s: Some(10.041),
            width: Some(1280),
            height: Some(720),
            frame_rate: Rational::new(30000, 1001),
            audio_tracks: Some(8),
        };
        let media = media_1080p25_with_two_audio_tracks();
        let findings = compare_declared(&declared, &checksums(), Some(&media));
        assert_eq!(
            codes(&findings),
            [
                "checksum-mismatch",
                "duration-mismatch",
                "resolution-mismatch",
                "frame-rate-mismatch",
                "audio-tracks-missing"
            ]
        );
        assert!(findings[3].message.contains("30000/1001"));
        assert!(findings[4].message.contains("declares 8 audio tracks but the file has 2"));
    }

    #[test]
    fn first_sidecar_wins_and_lists_merge() {
        let mut first = DescriptiveMetadata {
            title: Some("Le Journal".into()),
            keywords: vec!["news".into()],
            ..Default::default()
        };
        first.fill_from(DescriptiveMetadata {
            title: Some("Other".into()),
            series: Some("JT".into()),
            keywords: vec!["news".into(), "evening".into()],
            ..Default::default()
        });
        assert_eq!(first.title.as_deref(), Some("Le Journal"));
        assert_eq!(first.series.as_deref(), Some("JT"));
        assert_eq!(first.keywords, ["news", "evening"]);
    }
}
