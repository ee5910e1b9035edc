//! What is indexed of one asset: built by regie-app from the catalogue record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchDocument {
    pub asset_id: String,
    pub house_id: String,
    pub name: String,
    /// The collection path (`news/2026`).
    pub collection: String,
    pub owner_id: Option<String>,
    /// `fr`, `en`, or another code; decides how the text fields are analysed (both when unknown).
    pub language: Option<String>,
    pub title: Option<String>,
    pub series: Option<String>,
    pub episode: Option<String>,
    pub synopsis: Option<String>,
    pub keywords: Vec<String>,
    pub contributors: Vec<String>,
    pub rights_holder: Option<String>,
    pub tags: Vec<String>,
    pub container: Option<String>,
    pub codecs: Vec<String>,
    /// `SD`, `HD` or `UHD`, for pictures.
    pub resolution: Option<String>,
    pub frame_rate: Option<f64>,
    pub duration_s: Option<f64>,
    /// `mono`, `stereo`, `5.1`, `8ch`...
    pub audio_layout: Option<String>,
    /// RFC 3339.
    pub ingested_at: String,
    /// Finding codes.
    pub findings: Vec<String>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub capture_date: Option<String>,
    pub air_date: Option<String>,
    /// The house's own fields.
    pub fields: BTreeMap<String, String>,
    /// Subtitle cues, in time order.
    pub cues: Vec<Cue>,
}

/// One subtitle line and when it is spoken, or the text of a segment (a marker, a chapter, a
/// comment) and where it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cue {
    pub start_ms: u64,
    pub text: String,
    /// The subtitle track's language (`fr`, `en`), when known.
    pub language: Option<String>,
    /// A segment's kind (`marker`, `chapter`...); none for a subtitle line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A segment's start on the source's timecode (`10:00:02:05`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timecode: Option<String>,
}
