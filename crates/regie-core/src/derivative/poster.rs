//! Choosing the poster frame: not black, not a flat slate, preferably past the first tenth
//! (where leaders, bars and countdowns sit).

/// The index of the frame to use among small grey samples taken at a regular interval.
pub fn choose_poster(samples: &[Vec<u8>]) -> Option<usize> {
    if samples.is_empty() {
        return None;
    }
    let start = samples.len().div_ceil(10).min(samples.len() - 1);
    let order = (start..samples.len()).chain(0..start);
    for index in order {
        if looks_like_a_picture(&samples[index]) {
            return Some(index);
        }
    }
    // Nothing qualifies (a dark programme): the brightest sample is the least bad.
    (0..samples.len()).max_by_key(|&index| mean(&samples[index]) as u32)
}

/// Brighter than video black and with some detail.
fn looks_like_a_picture(sample: &[u8]) -> bool {
    let (Some(low), Some(high)) = (sample.iter().min(), sample.iter().max()) else {
        return false;
    };
    mean(sample) >= 40.0 && high - low >= 24
}

fn mean(sample: &[u8]) -> f64 {
    if sample.is_empty() {
        return 0.0;
    }
    sample.iter().map(|&value| f64::from(value)).sum::<f64>() / sample.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(value: u8) -> Vec<u8> {
        vec![value; 256]
    }

    fn picture() -> Vec<u8> {
        (0..=255).collect()
    }

    #[test]
    fn black_and_flat_frames_are_skipped() {
        let samples = vec![
            picture(),
            flat(16),
            flat(16),
            flat(128),
            flat(16),
            picture(),
            flat(16),
            flat(16),
            flat(16),
            flat(16),
            flat(16),
        ];
        assert_eq!(choose_poster(&samples), Some(5));
    }

    #[test]
    fn the_leader_is_used_only_when_nothing_else_qualifies() {
        let samples = vec![picture(), flat(16), flat(16)];
        assert_eq!(choose_poster(&samples), Some(0));
        assert_eq!(choose_poster(&[flat(16), flat(20)]), Some(1));
        assert_eq!(choose_poster(&[]), None);
    }
}
