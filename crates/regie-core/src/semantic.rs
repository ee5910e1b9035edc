//! Semantic search's pure part: what of an asset is embedded (its description, and its transcript
//! cut into passages of about a minute and a half), vectors kept in 8 bits with one scale, and the
//! ranking of stored passages against a query's vector (an asset counts by its best passage).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::AssetId;

/// The dimensions of multilingual-e5-small's vectors.
pub const DIMENSIONS: usize = 384;
/// A passage of transcript stops growing past this many characters...
const PASSAGE_CHARACTERS: usize = 1_200;
/// ... or this span of the programme.
const PASSAGE_SPAN_MS: u64 = 90_000;
/// Passages of one asset: about 2 h 15 of speech; a longer transcript's end is not embedded.
pub const MOST_PASSAGES: usize = 90;

/// Where a passage comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassageSource {
    /// Title, series, episode, synopsis and keywords.
    Description,
    /// A stretch of the transcript (or the subtitles, without one).
    Transcript,
}

impl PassageSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Description => "description",
            Self::Transcript => "transcript",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "description" => Some(Self::Description),
            "transcript" => Some(Self::Transcript),
            _ => None,
        }
    }
}

/// A text to embed, and where it is in the programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    pub source: PassageSource,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    pub text: String,
}

impl Passage {
    /// The SHA-256 of the text, hex: a passage whose text is unchanged is not embedded again.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.text.as_bytes()))
    }
}

/// One spoken line.
#[derive(Debug, Clone, Copy)]
pub struct SpokenLine<'a> {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: &'a str,
}

/// The descriptive texts of an asset.
#[derive(Debug, Clone, Default)]
pub struct Description<'a> {
    pub title: Option<&'a str>,
    pub series: Option<&'a str>,
    pub episode: Option<&'a str>,
    pub synopsis: Option<&'a str>,
    pub keywords: &'a [String],
}

/// The passages of an asset: its description as one, then its transcript in stretches of at most
/// 1,200 characters or 90 s, cut between lines.
pub fn passages_of(description: &Description<'_>, lines: &[SpokenLine<'_>]) -> Vec<Passage> {
    let mut passages = Vec::new();
    let mut parts: Vec<String> = [description.series, description.episode, description.title, description.synopsis]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    let keywords: Vec<&str> = description.keywords.iter().map(|word| word.trim()).filter(|w| !w.is_empty()).collect();
    if !keywords.is_empty() {
        parts.push(keywords.join(", "));
    }
    if !parts.is_empty() {
        passages.push(Passage {
            source: PassageSource::Description,
            start_ms: None,
            end_ms: None,
            text: parts.join(". "),
        });
    }
    let mut current: Option<Passage> = None;
    for line in lines {
        let text = line.text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            continue;
        }
        if let Some(passage) = &mut current {
            let start = passage.start_ms.unwrap_or(line.start_ms);
            if passage.text.len() + 1 + text.len() <= PASSAGE_CHARACTERS
                && line.end_ms.saturating_sub(start) <= PASSAGE_SPAN_MS
            {
                passage.text.push(' ');
                passage.text.push_str(&text);
                passage.end_ms = Some(passage.end_ms.unwrap_or(0).max(line.end_ms));
                continue;
            }
            passages.extend(current.take());
        }
        if passages.len() >= MOST_PASSAGES {
            return passages;
        }
        current = Some(Passage {
            source: PassageSource::Transcript,
            start_ms: Some(line.start_ms),
            end_ms: Some(line.end_ms),
            text: text.chars().take(PASSAGE_CHARACTERS).collect(),
        });
    }
    if passages.len() < MOST_PASSAGES {
        passages.extend(current);
    }
    passages
}

/// A unit vector in 8 bits: each value is `scale × q` with `q` in -127..=127.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedVector {
    scale: f32,
    values: Vec<i8>,
}

impl QuantizedVector {
    /// `None` unless `vector` has 384 finite values.
    pub fn quantize(vector: &[f32]) -> Option<Self> {
        if vector.len() != DIMENSIONS || vector.iter().any(|value| !value.is_finite()) {
            return None;
        }
        let largest = vector.iter().fold(0f32, |largest, value| largest.max(value.abs()));
        let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
        let values = vector.iter().map(|value| (value / scale).round().clamp(-127.0, 127.0) as i8).collect();
        Some(Self { scale, values })
    }

    /// Stored as base64 of the scale (little-endian f32) and the 384 values.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(4 + DIMENSIONS);
        bytes.extend_from_slice(&self.scale.to_le_bytes());
        bytes.extend(self.values.iter().map(|value| *value as u8));
        STANDARD.encode(bytes)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text).ok()?;
        if bytes.len() != 4 + DIMENSIONS {
            return None;
        }
        let scale = f32::from_le_bytes(bytes[..4].try_into().ok()?);
        if !scale.is_finite() {
            return None;
        }
        Some(Self { scale, values: bytes[4..].iter().map(|byte| *byte as i8).collect() })
    }

    /// The cosine with a unit `query` of 384 values.
    pub fn cosine(&self, query: &[f32]) -> f32 {
        let sum: f32 = self.values.iter().zip(query).map(|(value, q)| f32::from(*value) * q).sum();
        sum * self.scale
    }
}

/// A stored passage as the ranking sees it.
#[derive(Debug, Clone)]
pub struct StoredPassage {
    pub asset_id: AssetId,
    pub start_ms: Option<u64>,
    pub vector: QuantizedVector,
}

/// An asset close in meaning to a query: its best passage.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticMatch {
    pub asset_id: AssetId,
    /// The cosine of the best passage.
    pub score: f32,
    /// Where that passage starts, for a stretch of transcript.
    pub start_ms: Option<u64>,
}

/// Every stored passage in one block of memory: 384 signed bytes a row, a scale, the asset and
/// where the passage starts. Ranking a query is then one pass of integer dot products, split over
/// the cores.
#[derive(Debug, Clone, Default)]
pub struct PassageMatrix {
    asset_ids: Vec<AssetId>,
    starts: Vec<Option<u64>>,
    scales: Vec<f32>,
    values: Vec<i8>,
}

/// Rows one thread ranks at least (below, threads cost more than they save).
const ROWS_PER_THREAD: usize = 20_000;

impl PassageMatrix {
    pub fn new(passages: Vec<StoredPassage>) -> Self {
        let mut matrix = Self {
            asset_ids: Vec::with_capacity(passages.len()),
            starts: Vec::with_capacity(passages.len()),
            scales: Vec::with_capacity(passages.len()),
            values: Vec::with_capacity(passages.len() * DIMENSIONS),
        };
        for passage in passages {
            matrix.asset_ids.push(passage.asset_id);
            matrix.starts.push(passage.start_ms);
            matrix.scales.push(passage.vector.scale);
            matrix.values.extend_from_slice(&passage.vector.values);
        }
        matrix
    }

    pub fn len(&self) -> usize {
        self.asset_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.asset_ids.is_empty()
    }

    /// The `limit` assets whose best passage is closest to `query` (a unit vector of 384 values),
    /// at least `threshold`, best first; `threads` share the rows.
    pub fn rank(&self, query: &[f32], threshold: f32, limit: usize, threads: usize) -> Vec<SemanticMatch> {
        let Some(query) = QuantizedVector::quantize(query) else { return Vec::new() };
        let rows = self.len();
        let threads = threads.clamp(1, 16).min(rows.div_ceil(ROWS_PER_THREAD)).max(1);
        let per_thread = rows.div_ceil(threads).max(1);
        let above: Vec<(usize, f32)> = if threads == 1 {
            self.above(&query, threshold, 0..rows)
        } else {
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|part| {
                        let range = part * per_thread..((part + 1) * per_thread).min(rows);
                        let query = &query;
                        scope.spawn(move || self.above(query, threshold, range))
                    })
                    .collect();
                workers.into_iter().flat_map(|worker| worker.join().unwrap_or_default()).collect()
            })
        };
        let mut best: HashMap<AssetId, SemanticMatch> = HashMap::new();
        for (row, score) in above {
            let asset_id = self.asset_ids[row];
            let entry = best.entry(asset_id).or_insert(SemanticMatch { asset_id, score: f32::MIN, start_ms: None });
            if score > entry.score {
                entry.score = score;
                entry.start_ms = self.starts[row];
            }
        }
        let mut matches: Vec<SemanticMatch> = best.into_values().collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.asset_id.cmp(&b.asset_id)));
        matches.truncate(limit);
        matches
    }

    /// The rows of `range` whose cosine with `query` reaches `threshold`.
    fn above(&self, query: &QuantizedVector, threshold: f32, range: std::ops::Range<usize>) -> Vec<(usize, f32)> {
        let mut found = Vec::new();
        for row in range {
            let values = &self.values[row * DIMENSIONS..(row + 1) * DIMENSIONS];
            let score = integer_dot(values, &query.values) as f32 * self.scales[row] * query.scale;
            if score >= threshold {
                found.push((row, score));
            }
        }
        found
    }
}

/// The dot product of two rows of signed bytes (written so that the compiler vectorises it).
fn integer_dot(a: &[i8], b: &[i8]) -> i32 {
    a.iter().zip(b).map(|(x, y)| i32::from(*x) * i32::from(*y)).sum()
}

/// `PassageMatrix::rank` over a list, on one thread.
pub fn rank(passages: &[StoredPassage], query: &[f32], threshold: f32, limit: usize) -> Vec<SemanticMatch> {
    PassageMatrix::new(passages.to_vec()).rank(query, threshold, limit, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(seed: usize) -> Vec<f32> {
        let raw: Vec<f32> = (0..DIMENSIONS).map(|i| (((i * 7 + seed * 13) % 29) as f32 - 14.0) / 14.0).collect();
        let norm = raw.iter().map(|v| v * v).sum::<f32>().sqrt();
        raw.iter().map(|v| v / norm).collect()
    }

    #[test]
    fn a_description_is_one_passage_of_its_texts() {
        let keywords = vec!["pêche".to_owned(), " ".to_owned(), "Bretagne".to_owned()];
        let description = Description {
            title: Some("Les marins"),
            synopsis: Some(" Trois semaines en mer. "),
            keywords: &keywords,
            ..Description::default()
        };
        let passages = passages_of(&description, &[]);
        assert_eq!(passages.len(), 1);
        assert_eq!(passages[0].text, "Les marins. Trois semaines en mer.. pêche, Bretagne");
        assert_eq!(passages[0].source, PassageSource::Description);
        assert!(passages_of(&Description::default(), &[]).is_empty());
    }

    #[test]
    fn transcripts_are_cut_every_ninety_seconds_between_lines() {
        let lines: Vec<SpokenLine> = (0..10)
            .map(|i| SpokenLine { start_ms: i * 20_000, end_ms: i * 20_000 + 15_000, text: "des  mots\nici" })
            .collect();
        let passages = passages_of(&Description::default(), &lines);
        assert_eq!(passages.len(), 3, "{passages:?}");
        assert_eq!(passages[0].start_ms, Some(0));
        assert_eq!(passages[0].end_ms, Some(75_000));
        assert_eq!(passages[0].text, "des mots ici des mots ici des mots ici des mots ici");
        assert_eq!(passages[1].start_ms, Some(80_000));
        assert_eq!(passages[2].start_ms, Some(160_000));
    }

    #[test]
    fn long_transcripts_stop_at_the_passage_limit() {
        let text = "x".repeat(1_000);
        let lines: Vec<SpokenLine> =
            (0..500).map(|i| SpokenLine { start_ms: i * 1_000, end_ms: i * 1_000 + 900, text: &text }).collect();
        assert_eq!(passages_of(&Description::default(), &lines).len(), MOST_PASSAGES);
    }

    #[test]
    fn quantized_vectors_keep_the_cosine_and_round_trip() {
        let a = unit(1);
        let b = unit(2);
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let stored = QuantizedVector::quantize(&a).unwrap();
        assert!((stored.cosine(&b) - exact).abs() < 0.01, "{} vs {exact}", stored.cosine(&b));
        assert!((stored.cosine(&a) - 1.0).abs() < 0.01);
        assert_eq!(QuantizedVector::decode(&stored.encode()), Some(stored));
        assert_eq!(QuantizedVector::decode("AAAA"), None);
        assert!(QuantizedVector::quantize(&a[..10]).is_none());
        assert!(QuantizedVector::quantize(&[f32::NAN; DIMENSIONS]).is_none());
    }

    #[test]
    fn ranking_keeps_each_asset_by_its_best_passage_above_the_threshold() {
        let query = unit(1);
        let near = AssetId::new();
        let far = AssetId::new();
        let passages = vec![
            StoredPassage { asset_id: near, start_ms: Some(0), vector: QuantizedVector::quantize(&unit(3)).unwrap() },
            StoredPassage {
                asset_id: near,
                start_ms: Some(90_000),
                vector: QuantizedVector::quantize(&query).unwrap(),
            },
            StoredPassage { asset_id: far, start_ms: None, vector: QuantizedVector::quantize(&unit(5)).unwrap() },
        ];
        let far_score = QuantizedVector::quantize(&unit(5)).unwrap().cosine(&query);
        let matches = rank(&passages, &query, -1.0, 10);
        assert_eq!(matches.len(), 2);
        assert_eq!(matches[0].asset_id, near);
        assert_eq!(matches[0].start_ms, Some(90_000));
        let above = rank(&passages, &query, far_score + 0.01, 10);
        assert_eq!(above.len(), 1);
        assert_eq!(rank(&passages, &query, -1.0, 1).len(), 1);
        assert!(rank(&passages, &query[..3], -1.0, 10).is_empty());
    }

    #[test]
    fn ranking_on_many_threads_finds_what_one_thread_finds() {
        let passages: Vec<StoredPassage> = (0..50_000)
            .map(|i| StoredPassage {
                asset_id: AssetId::new(),
                start_ms: Some(i),
                vector: QuantizedVector::quantize(&unit(i as usize % 97)).unwrap(),
            })
            .collect();
        let matrix = PassageMatrix::new(passages);
        let query = unit(7);
        let alone = matrix.rank(&query, 0.9, 1_000, 1);
        let shared = matrix.rank(&query, 0.9, 1_000, 4);
        assert!(!alone.is_empty());
        assert_eq!(alone, shared);
        assert!(alone.iter().all(|found| found.score > 0.98), "only copies of the query itself are that close");
    }
}
