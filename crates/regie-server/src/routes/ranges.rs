//! Range requests (RFC 9110) for blobs kept in a bucket, sent as they are read from it: one range
//! (`bytes=A-B`, `bytes=A-`, `bytes=-N`) answers 206 with its `Content-Range`; a range past the
//! end answers 416; anything else (several ranges, another unit) answers the whole file.

use std::ops::Range;

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Wanted {
    Whole,
    Part(Range<u64>),
    Unsatisfiable,
}

pub fn wanted(header: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = header.and_then(|value| value.trim().strip_prefix("bytes=")) else { return Wanted::Whole };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Wanted::Whole };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => start..end.saturating_add(1).min(size),
        (Ok(_), Ok(_)) => return Wanted::Whole,
        (Ok(start), Err(_)) if last.is_empty() => start..size,
        (Err(_), Ok(suffix)) if first.is_empty() => {
            if suffix == 0 {
                return Wanted::Unsatisfiable;
            }
            size.saturating_sub(suffix)..size
        }
        _ => return Wanted::Whole,
    };
    if range.start >= size { Wanted::Unsatisfiable } else { Wanted::Part(range) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_range_in_each_form_and_the_edges() {
        assert_eq!(wanted(None, 1000), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=100-199"), 1000), Wanted::Part(100..200));
        assert_eq!(wanted(Some("bytes=900-"), 1000), Wanted::Part(900..1000));
        assert_eq!(wanted(Some("bytes=-100"), 1000), Wanted::Part(900..1000));
        assert_eq!(wanted(Some("bytes=-5000"), 1000), Wanted::Part(0..1000), "a suffix longer than the file");
        assert_eq!(wanted(Some("bytes=990-5000"), 1000), Wanted::Part(990..1000), "an end past the file is clipped");
        assert_eq!(wanted(Some("bytes=1000-"), 1000), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-0"), 1000), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=0-1,5-9"), 1000), Wanted::Whole, "several ranges: the whole file");
        assert_eq!(wanted(Some("items=0-1"), 1000), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=9-1"), 1000), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=abc"), 1000), Wanted::Whole);
    }
}
