//! What the index holds of an asset, built from what the catalogue gives for indexing.

use regie_core::timeline::SourceClock;
use regie_core::{Rational, StreamKind};
use regie_db::IndexSource;
use regie_search::{Cue, SearchDocument};

/// The search document of one asset: descriptive metadata, the measured facts of its original
/// file (or, for a record without media, the facts its catalogue record gives), and subtitles.
pub(crate) fn document_of(source: &IndexSource, sound_rate: Rational) -> SearchDocument {
    let metadata = &source.metadata;
    let catalogued = &metadata.catalogued;
    let media = source.media.as_ref();
    let video = media.and_then(|media| media.main_video());
    let height = video.and_then(|video| video.height).or(catalogued.height);
    let resolution = height.map(|height| match height {
        0..=576 => "SD",
        577..=1080 => "HD",
        _ => "UHD",
    });
    let channels = media.map(|media| media.audio_channel_count()).unwrap_or(0);
    let audio_layout = match channels {
        0 => catalogued.audio_layout.clone(),
        1 => Some("mono".to_owned()),
        2 => Some("stereo".to_owned()),
        6 => Some("5.1".to_owned()),
        count => Some(format!("{count}ch")),
    };
    let codecs = match media {
        Some(media) => media.streams.iter().filter_map(|stream| stream.codec.clone()).collect(),
        None => catalogued.codecs.clone(),
    };
    SearchDocument {
        asset_id: source.id.to_string(),
        house_id: source.house_id.clone(),
        name: source.name.clone(),
        collection: source.collection.clone(),
        owner_id: source.owner_id.clone(),
        language: metadata.language.clone().or_else(|| {
            media.and_then(|media| media.streams_of(StreamKind::Audio).find_map(|stream| stream.language.clone()))
        }),
        title: metadata.title.clone(),
        series: metadata.series.clone(),
        episode: metadata.episode.clone(),
        synopsis: metadata.synopsis.clone(),
        keywords: metadata.keywords.clone(),
        contributors: metadata.contributors.iter().map(|contributor| contributor.name.clone()).collect(),
        rights_holder: metadata.rights_holder.clone(),
        tags: source.tags.clone(),
        container: media.map(|media| media.container.clone()).or_else(|| catalogued.container.clone()),
        codecs,
        resolution: resolution.map(str::to_owned),
        frame_rate: video.and_then(|video| video.frame_rate).map(|rate| rate.as_f64()).or(catalogued.frame_rate),
        duration_s: media.and_then(|media| media.duration_s).or(catalogued.duration_s),
        audio_layout,
        ingested_at: source.created_at.clone(),
        findings: source.finding_codes.clone(),
        capture_date: metadata.capture_date.clone(),
        air_date: metadata.air_date.clone(),
        fields: metadata.fields.clone(),
        cues: cues_of(source, sound_rate),
    }
}

/// Subtitle lines and segment texts, in time order.
fn cues_of(source: &IndexSource, sound_rate: Rational) -> Vec<Cue> {
    let mut cues: Vec<Cue> = source
        .subtitles
        .iter()
        .flat_map(|track| {
            track.cues.iter().map(|cue| Cue {
                start_ms: cue.start_ms,
                text: cue.text.clone(),
                language: track.language.clone(),
                kind: None,
                timecode: None,
            })
        })
        .collect();
    if !source.segments.is_empty() {
        let clock = SourceClock::of_media(source.media.as_ref(), sound_rate);
        cues.extend(source.segments.iter().map(|segment| Cue {
            start_ms: (clock.base.seconds_of(segment.start_frame) * 1000.0).round() as u64,
            text: segment.text.clone(),
            language: None,
            kind: Some(segment.kind.clone()),
            timecode: Some(clock.base.timecode_of(segment.start_frame)),
        }));
        cues.sort_by_key(|cue| cue.start_ms);
    }
    cues
}
