//! SMPTE timecodes as they appear in containers and sidecars (`10:00:00:00`, drop-frame
//! `01:00:00;02`), and the arithmetic between them and frame numbers: a `TimeBase` knows a
//! source's exact frame rate, whether its timecode drops frame numbers, and the timecode of its
//! first frame, so that frame 0 of a file is what the editor's timeline shows as its start.

use crate::{CoreError, Rational};

/// Frames in a day are counted modulo this many seconds: timecode wraps at midnight.
const SECONDS_PER_DAY: u64 = 24 * 3600;

/// Checks that `text` is a well-formed SMPTE timecode and returns it normalised (trimmed).
pub fn parse_timecode(text: &str) -> Result<String, CoreError> {
    split_timecode(text).map(|_| text.trim().to_owned())
}

/// What an error shows of a value that was not a timecode: no more than a timecode's length.
fn shown(text: &str) -> String {
    text.trim().chars().take(16).collect()
}

/// The four fields of a timecode and whether its last separator says drop-frame (`;` or `.`).
fn split_timecode(text: &str) -> Result<([u64; 4], bool), CoreError> {
    let trimmed = text.trim();
    let bytes = trimmed.as_bytes();
    let well_formed = bytes.len() == 11
        && [0, 1, 3, 4, 6, 7, 9, 10].iter().all(|&index| bytes[index].is_ascii_digit())
        && bytes[2] == b':'
        && bytes[5] == b':'
        && matches!(bytes[8], b':' | b';' | b'.');
    if !well_formed {
        return Err(CoreError::invalid(
            "timecode",
            shown(text),
            "expected HH:MM:SS:FF (or HH:MM:SS;FF for drop-frame)",
        ));
    }
    let field = |start: usize| -> u64 { trimmed[start..start + 2].parse().unwrap_or(99) };
    let fields = [field(0), field(3), field(6), field(9)];
    if fields[0] > 23 || fields[1] > 59 || fields[2] > 59 {
        return Err(CoreError::invalid("timecode", shown(text), "hours, minutes or seconds out of range"));
    }
    Ok((fields, bytes[8] != b':'))
}

/// How a source counts time: its exact frame rate, whether its timecode is drop-frame, and the
/// timecode label of its first frame (as a count of timecode frames since 00:00:00:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeBase {
    pub rate: Rational,
    pub drop_frame: bool,
    /// Timecode frames from 00:00:00:00 to the first frame of the file.
    pub start: u64,
}

impl TimeBase {
    /// A time base starting at `start_timecode` (00:00:00:00 when the source has none). The
    /// timecode is drop-frame when its last separator is `;` and the rate is 29.97 or 59.94.
    pub fn new(rate: Rational, start_timecode: Option<&str>) -> Result<Self, CoreError> {
        let Some(text) = start_timecode else {
            return Ok(Self { rate, drop_frame: false, start: 0 });
        };
        let (_, drop_marked) = split_timecode(text)?;
        let mut base = Self { rate, drop_frame: drop_marked && drops_frames(rate), start: 0 };
        base.start = base.label_to_count(text)?;
        Ok(base)
    }

    /// The integer frame count of one timecode second (30 for 30000/1001, 24 for 24000/1001).
    pub fn nominal(&self) -> u64 {
        ((self.rate.num + self.rate.den / 2) / self.rate.den).max(1)
    }

    /// Timecode frame numbers skipped at the start of every minute but each tenth (2 at 29.97
    /// drop-frame, 4 at 59.94), 0 without drop-frame.
    fn dropped_per_minute(&self) -> u64 {
        if self.drop_frame { self.nominal() / 15 } else { 0 }
    }

    /// Timecode frames in a day, where the count wraps.
    fn frames_per_day(&self) -> u64 {
        let dropped = self.dropped_per_minute() * (24 * 60 - 24 * 6);
        SECONDS_PER_DAY * self.nominal() - dropped
    }

    /// The timecode of frame `frame` of the file (0 is the first).
    pub fn timecode_of(&self, frame: u64) -> String {
        let count = (self.start + frame) % self.frames_per_day();
        self.count_to_label(count)
    }

    /// The frame of the file that `timecode` labels: an error when it is not a valid label at this
    /// rate (frame 30 at 30 fps, a dropped number) or comes before the file's first frame.
    pub fn frame_of(&self, timecode: &str) -> Result<u64, CoreError> {
        let count = self.label_to_count(timecode)?;
        // A source that starts before midnight goes on past it: 00:00:10:00 then follows 23:59:50:00.
        let offset = if count >= self.start { count - self.start } else { count + self.frames_per_day() - self.start };
        if offset >= self.frames_per_day() / 2 {
            return Err(CoreError::invalid(
                "timecode",
                shown(timecode),
                format!("it is before the first frame of the source, {}", self.timecode_of(0)),
            ));
        }
        Ok(offset)
    }

    /// The seconds from the start of the file to the start of frame `frame`, exactly as far as
    /// an f64 carries it.
    pub fn seconds_of(&self, frame: u64) -> f64 {
        frame as f64 * self.rate.den as f64 / self.rate.num as f64
    }

    /// The frame shown at `seconds` from the start of the file (the one whose display began at
    /// or just before it, a thousandth of a frame of tolerance for rounded times).
    pub fn frame_at(&self, seconds: f64) -> u64 {
        let frames = seconds.max(0.0) * self.rate.num as f64 / self.rate.den as f64;
        (frames + 0.001).floor() as u64
    }

    fn label_to_count(&self, text: &str) -> Result<u64, CoreError> {
        let ([hours, minutes, seconds, frames], _) = split_timecode(text)?;
        let nominal = self.nominal();
        if frames >= nominal {
            return Err(CoreError::invalid(
                "timecode",
                text,
                format!("frames run from 00 to {:02} at this rate", nominal - 1),
            ));
        }
        let dropped = self.dropped_per_minute();
        if dropped > 0 && seconds == 0 && minutes % 10 != 0 && frames < dropped {
            return Err(CoreError::invalid(
                "timecode",
                text,
                format!("drop-frame timecode skips frames 00 to {:02} at the start of this minute", dropped - 1),
            ));
        }
        let total_minutes = hours * 60 + minutes;
        let labelled = (total_minutes * 60 + seconds) * nominal + frames;
        Ok(labelled - dropped * (total_minutes - total_minutes / 10))
    }

    fn count_to_label(&self, count: u64) -> String {
        let nominal = self.nominal();
        let dropped = self.dropped_per_minute();
        let mut labelled = count;
        if dropped > 0 {
            let per_minute = nominal * 60 - dropped;
            let per_ten_minutes = nominal * 600 - 9 * dropped;
            let (tens, rest) = (count / per_ten_minutes, count % per_ten_minutes);
            labelled += 9 * dropped * tens;
            if rest >= dropped {
                labelled += dropped * ((rest - dropped) / per_minute);
            }
        }
        let separator = if self.drop_frame { ';' } else { ':' };
        let (frames, seconds) = (labelled % nominal, labelled / nominal);
        format!("{:02}:{:02}:{:02}{separator}{frames:02}", seconds / 3600 % 24, seconds / 60 % 60, seconds % 60)
    }
}

/// Drop-frame timecode exists for the NTSC rates 30000/1001 and 60000/1001 only.
fn drops_frames(rate: Rational) -> bool {
    rate.den == 1001 && (rate.num == 30000 || rate.num == 60000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(rate: &str, start: Option<&str>) -> TimeBase {
        TimeBase::new(rate.parse().unwrap(), start).unwrap()
    }

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

    #[test]
    fn drop_frame_labels_match_the_smpte_counts() {
        let df = base("30000/1001", Some("00:00:00;00"));
        for (label, frame) in [
            ("00:00:59;29", 1799),
            ("00:01:00;02", 1800),
            ("00:02:00;02", 3598),
            ("00:09:59;29", 17981),
            ("00:10:00;00", 17982),
            ("00:10:00;02", 17984),
            ("01:00:00;00", 107_892),
        ] {
            assert_eq!(df.frame_of(label).unwrap(), frame, "{label}");
            assert_eq!(df.timecode_of(frame), label, "frame {frame}");
        }
        assert_eq!(df.timecode_of(2_589_407), "23:59:59;29", "the last frame of the day");
        assert_eq!(df.timecode_of(2_589_408), "00:00:00;00", "then midnight");
        assert!(df.frame_of("00:01:00;00").is_err(), "a dropped number is no frame");
        assert!(df.frame_of("00:10:00;00").is_ok(), "every tenth minute keeps its numbers");
        let df60 = base("60000/1001", Some("00:00:00;00"));
        assert_eq!(df60.frame_of("00:01:00;04").unwrap(), 3600);
        assert_eq!(df60.timecode_of(3600), "00:01:00;04");
    }

    #[test]
    fn non_drop_counts_every_label_even_at_ntsc_rates() {
        let ndf = base("30000/1001", Some("00:00:00:00"));
        assert_eq!(ndf.frame_of("00:01:00:00").unwrap(), 1800);
        assert_eq!(ndf.timecode_of(107_892), "00:59:56:12", "an hour of 29.97 NDF falls 3.6 s short");
        let film = base("24000/1001", None);
        assert_eq!(film.timecode_of(24 * 3600), "01:00:00:00");
        let pal = base("25", Some("10:00:00:00"));
        assert_eq!(pal.timecode_of(0), "10:00:00:00");
        assert_eq!(pal.timecode_of(55), "10:00:02:05");
        assert_eq!(pal.frame_of("10:00:02:05").unwrap(), 55);
        assert!(pal.frame_of("10:00:02:25").is_err(), "no frame 25 at 25 fps");
        assert!(pal.frame_of("09:59:59:24").is_err(), "before the first frame");
    }

    #[test]
    fn a_source_running_past_midnight_keeps_counting() {
        let late = base("25", Some("23:59:59:00"));
        assert_eq!(late.timecode_of(25), "00:00:00:00");
        assert_eq!(late.frame_of("00:00:01:00").unwrap(), 50);
    }

    #[test]
    fn drop_frame_is_only_for_ntsc_rates() {
        let pal = base("25", Some("10:00:00;00"));
        assert!(!pal.drop_frame);
        assert_eq!(pal.timecode_of(25), "10:00:01:00");
        let df = base("30000/1001", Some("01:00:00;00"));
        assert!(df.drop_frame);
        assert_eq!(df.start, 107_892);
        assert_eq!(df.seconds_of(30_000), 1001.0);
        assert_eq!(df.frame_at(1001.0), 30_000);
    }
}
