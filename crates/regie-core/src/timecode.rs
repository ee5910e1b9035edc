//! SMPTE timecodes as they appear in containers and sidecars (`10:00:00:00`, drop-frame `01:00:00;02`).

use crate::CoreError;

/// Checks that `text` is a well-formed SMPTE timecode and returns it normalised (trimmed).
pub fn parse_timecode(text: &str) -> Result<String, CoreError> {
    let trimmed = text.trim();
    let bytes = trimmed.as_bytes();
    let well_formed = bytes.len() == 11
        && [0, 1, 3, 4, 6, 7, 9, 10].iter().all(|&index| bytes[index].is_ascii_digit())
        && bytes[2] == b':'
        && bytes[5] == b':'
        && matches!(bytes[8], b':' | b';' | b'.');
    if !well_formed {
        return Err(CoreError::invalid("timecode", text, "expected HH:MM:SS:FF"));
    }
    let field = |start: usize| -> u32 { trimmed[start..start + 2].parse().unwrap_or(99) };
    if field(0) > 23 || field(3) > 59 || field(6) > 59 {
        return Err(CoreError::invalid("timecode", text, "hours, minutes or seconds out of range"));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timecodes_parse_in_both_forms() {
        assert_eq!(parse_timecode(" 10:00:00:00 ").unwrap(), "10:00:00:00");
        assert_eq!(parse_timecode("01:00:00;02").unwrap(), "01:00:00;02");
    }

    #[test]
    fn malformed_timecodes_are_refused() {
        for bad in ["10:00:00", "25:00:00:00", "10:61:00:00", "aa:bb:cc:dd"] {
            assert!(parse_timecode(bad).is_err(), "{bad} accepted");
        }
    }
}
