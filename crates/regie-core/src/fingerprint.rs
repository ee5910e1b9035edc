//! Perceptual fingerprints: a 64-bit DCT hash (pHash) of each sampled picture, so that the same
//! material re-encoded, rescaled, recoloured, logo-burnt, trimmed or cropped is recognised.
//! A video is sampled once a second; each sample is hashed whole and as 85 % and 70 % centre
//! crops, so that a cropped copy (whose whole picture is the original's centre) meets a hash of
//! the same framing. Two assets are compared frame by frame (within `MATCH_RADIUS` bits), both ways.

use serde::Serialize;

/// Side of the grey picture a hash is computed from.
pub const HASH_SIDE: usize = 32;
/// Hashes within this many differing bits (of 64) are the same picture.
pub const MATCH_RADIUS: u32 = 10;
/// The framings hashed: the whole picture, then centre crops (percent of each side).
pub const CROPS: [u8; 3] = [100, 85, 70];
/// A picture whose grey levels vary less than this (standard deviation, 0-255) is flat (black,
/// a single colour) and says nothing about the material: it gets no hash.
const FLAT_DEVIATION: f64 = 6.0;

/// The hash of one framing of one sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHash {
    /// When the sample was taken, from the file's start.
    pub t_ms: u64,
    /// The framing: 100 (whole), 85 or 70 (centre crops).
    pub crop: u8,
    pub hash: u64,
}

/// The 64-bit DCT hash of a `HASH_SIDE` x `HASH_SIDE` grey picture (row by row), or `None` for a
/// flat picture: the 8 x 8 lowest frequencies of its 2-D DCT, each bit set when the coefficient is
/// above their median (the constant term left out of the median).
pub fn perceptual_hash(grey: &[u8]) -> Option<u64> {
    assert_eq!(grey.len(), HASH_SIDE * HASH_SIDE, "a hash is made from a 32 x 32 grey picture");
    let mean = grey.iter().map(|&value| f64::from(value)).sum::<f64>() / grey.len() as f64;
    let variance = grey.iter().map(|&value| (f64::from(value) - mean).powi(2)).sum::<f64>() / grey.len() as f64;
    if variance.sqrt() < FLAT_DEVIATION {
        return None;
    }
    let cosines = cosine_table();
    // Rows first (only the 8 lowest frequencies are kept), then columns.
    let mut rows = [[0.0f64; 8]; HASH_SIDE];
    for (y, row) in rows.iter_mut().enumerate() {
        for (u, value) in row.iter_mut().enumerate() {
            *value = (0..HASH_SIDE).map(|x| f64::from(grey[y * HASH_SIDE + x]) * cosines[u][x]).sum();
        }
    }
    let mut coefficients = [0.0f64; 64];
    for v in 0..8 {
        for u in 0..8 {
            coefficients[v * 8 + u] = (0..HASH_SIDE).map(|y| rows[y][u] * cosines[v][y]).sum();
        }
    }
    let mut sorted: Vec<f64> = coefficients[1..].to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = (sorted[31] + sorted[32]) / 2.0;
    Some(coefficients.iter().enumerate().fold(0u64, |hash, (bit, &value)| hash | (u64::from(value > median) << bit)))
}

fn cosine_table() -> [[f64; HASH_SIDE]; 8] {
    let mut table = [[0.0; HASH_SIDE]; 8];
    for (frequency, row) in table.iter_mut().enumerate() {
        for (x, value) in row.iter_mut().enumerate() {
            *value = (std::f64::consts::PI * frequency as f64 * (2 * x + 1) as f64 / (2 * HASH_SIDE) as f64).cos();
        }
    }
    table
}

/// Differing bits.
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The four 16-bit bands of a hash: two hashes within `MATCH_RADIUS` bits share at least one band
/// exactly when they differ by 3 bits or fewer, and most near copies do on many frames, so an
/// index on each band finds the candidates (multi-index hashing) without reading every hash.
pub fn bands(hash: u64) -> [u16; 4] {
    [hash as u16, (hash >> 16) as u16, (hash >> 32) as u16, (hash >> 48) as u16]
}

/// How alike two assets are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Similarity {
    /// The larger of the two shares below: a trimmed copy is all in its source.
    pub score: f64,
    /// Share of the query's samples found in the other asset.
    pub query_share: f64,
    /// Share of the other asset's samples found in the query.
    pub other_share: f64,
    /// Where the query's start lies in the other asset, in seconds (the most common offset of the
    /// matching samples); `None` for stills.
    pub offset_s: Option<f64>,
    /// Samples of the query that matched.
    pub matched: usize,
}

/// One sampled picture: its whole-picture hash and its crops' hashes.
struct Sample {
    t_ms: u64,
    whole: Option<u64>,
    crops: Vec<u64>,
}

fn samples_of(hashes: &[FrameHash]) -> Vec<Sample> {
    let mut samples: Vec<Sample> = Vec::new();
    for frame in hashes {
        if samples.last().is_none_or(|sample| sample.t_ms != frame.t_ms) {
            samples.push(Sample { t_ms: frame.t_ms, whole: None, crops: Vec::new() });
        }
        let sample = samples.last_mut().expect("pushed above");
        if frame.crop == 100 {
            sample.whole = Some(frame.hash);
        } else {
            sample.crops.push(frame.hash);
        }
    }
    samples
}

/// Whether two samples show the same picture: whole against whole, or one's whole picture against
/// the other's centre crop (a cropped copy shows only the middle of its source).
fn same_picture(a: &Sample, b: &Sample) -> bool {
    let near = |x: u64, y: u64| distance(x, y) <= MATCH_RADIUS;
    match (a.whole, b.whole) {
        (Some(x), Some(y)) => {
            near(x, y) || b.crops.iter().any(|&crop| near(x, crop)) || a.crops.iter().any(|&crop| near(crop, y))
        }
        (Some(x), None) => b.crops.iter().any(|&crop| near(x, crop)),
        (None, Some(y)) => a.crops.iter().any(|&crop| near(crop, y)),
        (None, None) => false,
    }
}

/// The smallest distance between two samples' comparable hashes.
fn closeness(a: &Sample, b: &Sample) -> u32 {
    let mut pairs: Vec<(u64, u64)> = Vec::new();
    if let Some(x) = a.whole {
        pairs.extend(b.whole.iter().chain(&b.crops).map(|&y| (x, y)));
    }
    if let Some(y) = b.whole {
        pairs.extend(a.crops.iter().map(|&x| (x, y)));
    }
    pairs.into_iter().map(|(x, y)| distance(x, y)).min().unwrap_or(u32::MAX)
}

/// Compares two assets' fingerprints sample by sample, both ways (`hashes` in time order, as
/// stored). `None` when no picture matches.
pub fn compare(query: &[FrameHash], other: &[FrameHash]) -> Option<Similarity> {
    let (query, other) = (samples_of(query), samples_of(other));
    if query.is_empty() || other.is_empty() {
        return None;
    }
    let mut other_matched = vec![false; other.len()];
    // Every pairing of pictures that match, as (query index, other index).
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut matched = 0;
    for (query_index, sample) in query.iter().enumerate() {
        let before = pairs.len();
        for (index, candidate) in other.iter().enumerate() {
            if same_picture(sample, candidate) {
                other_matched[index] = true;
                pairs.push((query_index, index));
            }
        }
        matched += usize::from(pairs.len() > before);
    }
    if matched == 0 {
        return None;
    }
    let query_share = matched as f64 / query.len() as f64;
    let other_share = other_matched.iter().filter(|found| **found).count() as f64 / other.len() as f64;
    let still = query.len() == 1 && other.len() == 1;
    Some(Similarity {
        score: query_share.max(other_share),
        query_share,
        other_share,
        offset_s: (!still).then(|| best_offset(&query, &other, &pairs)),
        matched,
    })
}

/// Where the query starts in the other asset: of the offsets the matching pairs suggest, the one
/// that lines up the most matching pictures, and among those the closest ones (static material
/// looks alike from second to second, so the count alone cannot choose).
fn best_offset(query: &[Sample], other: &[Sample], pairs: &[(usize, usize)]) -> f64 {
    let offset_of = |(q, o): (usize, usize)| other[o].t_ms as i64 - query[q].t_ms as i64;
    let mut offsets: Vec<i64> = pairs.iter().map(|&pair| offset_of(pair)).collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut best: Option<(usize, u64, i64)> = None;
    for offset in offsets {
        let lined_up: Vec<u32> = pairs
            .iter()
            .filter(|&&pair| offset_of(pair) == offset)
            .map(|&(q, o)| closeness(&query[q], &other[o]))
            .collect();
        let (count, total) = (lined_up.len(), lined_up.iter().map(|&d| u64::from(d)).sum::<u64>());
        let better = match best {
            None => true,
            Some((best_count, best_total, _)) => {
                count > best_count || (count == best_count && total * (best_count as u64) < best_total * (count as u64))
            }
        };
        if better {
            best = Some((count, total, offset));
        }
    }
    best.map_or(0.0, |(_, _, offset)| (offset as f64 / 1000.0).round())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 32 x 32 picture: a diagonal gradient with a bright square at (x, y).
    fn picture(x: usize, y: usize, brightness: i32) -> Vec<u8> {
        let mut grey = vec![0u8; HASH_SIDE * HASH_SIDE];
        for row in 0..HASH_SIDE {
            for column in 0..HASH_SIDE {
                let mut value = (row * 2 + column + (row * 7 + column * 13) % 17 * 3) as i32 + brightness;
                if (x..x + 8).contains(&column) && (y..y + 8).contains(&row) {
                    value += 120;
                }
                grey[row * HASH_SIDE + column] = value.clamp(0, 255) as u8;
            }
        }
        grey
    }

    #[test]
    fn a_brighter_copy_hashes_the_same_and_another_picture_does_not() {
        let original = perceptual_hash(&picture(4, 4, 0)).unwrap();
        let brighter = perceptual_hash(&picture(4, 4, 30)).unwrap();
        let other = perceptual_hash(&picture(20, 20, 0)).unwrap();
        assert!(distance(original, brighter) <= 2, "{}", distance(original, brighter));
        assert!(distance(original, other) > MATCH_RADIUS, "{}", distance(original, other));
    }

    #[test]
    fn flat_pictures_get_no_hash() {
        assert_eq!(perceptual_hash(&[16u8; HASH_SIDE * HASH_SIDE]), None);
    }

    #[test]
    fn a_trimmed_copy_is_all_in_its_source_with_its_offset() {
        let source: Vec<FrameHash> = (0..10u64)
            .map(|second| FrameHash {
                t_ms: second * 1000,
                crop: 100,
                hash: second.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            })
            .collect();
        let trimmed: Vec<FrameHash> = source[4..8]
            .iter()
            .map(|frame| FrameHash { t_ms: frame.t_ms - 4000, crop: 100, hash: frame.hash ^ 0b101 })
            .collect();
        let found = compare(&trimmed, &source).unwrap();
        let reverse = compare(&source, &trimmed).unwrap();
        assert_eq!((reverse.score, reverse.offset_s), (1.0, Some(-4.0)));
        assert_eq!(found.query_share, 1.0);
        assert!((found.other_share - 0.4).abs() < 1e-9);
        assert_eq!((found.score, found.offset_s, found.matched), (1.0, Some(4.0), 4));
        let unrelated: Vec<FrameHash> = (0..4u64)
            .map(|n| FrameHash { t_ms: n * 1000, crop: 100, hash: !(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) })
            .collect();
        assert_eq!(compare(&unrelated, &source), None);
    }

    #[test]
    fn a_cropped_copy_meets_its_source_whichever_is_asked_about() {
        let source = [
            FrameHash { t_ms: 0, crop: 100, hash: 0xFFFF_0000_FFFF_0000 },
            FrameHash { t_ms: 0, crop: 85, hash: 0x0F0F_0F0F_0F0F_0F0F },
        ];
        let cropped = [FrameHash { t_ms: 0, crop: 100, hash: 0x0F0F_0F0F_0F0F_0F0E }];
        assert_eq!(compare(&cropped, &source).unwrap().score, 1.0);
        assert_eq!(compare(&source, &cropped).unwrap().score, 1.0);
    }

    #[test]
    fn bands_split_the_hash_in_four() {
        assert_eq!(bands(0x0001_0002_0003_0004), [4, 3, 2, 1]);
    }
}
