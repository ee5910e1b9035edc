//! CMX 3600 edit decision lists: an asset's segments written as one event covering the source
//! with a `* LOC:` locator line per segment (the form Avid and Resolve import as markers), and
//! locators read back, line by line, with an error naming each line that is wrong.
//!
//! A locator carries one instant; regie adds a comment line `* REGIE: KIND OUT-TC` after it so
//! that a range and its kind survive a round trip. Editing tools ignore comment lines they do not
//! know.

use super::{LineError, Mark, SegmentKind, SourceClock};

/// What the EDL is about.
pub struct EdlSource<'a> {
    /// The `TITLE:` line (the house id).
    pub title: &'a str,
    /// The source's file name, on a `* FROM CLIP NAME:` line.
    pub clip_name: &'a str,
    pub clock: SourceClock,
}

const COLOURS: &[&str] = &["RED", "GREEN", "BLUE", "CYAN", "MAGENTA", "YELLOW", "BLACK", "WHITE"];

/// An 8-character reel name from the title (letters and digits), `AX` when none is left.
fn reel(title: &str) -> String {
    let reel: String = title.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>().to_uppercase();
    if reel.is_empty() { "AX".to_owned() } else { reel }
}

/// Writes `marks` as a CMX 3600 EDL.
pub fn export_edl(source: &EdlSource, marks: &[Mark]) -> String {
    let base = &source.clock.base;
    let frames = source.clock.frames.unwrap_or_else(|| marks.iter().map(|mark| mark.end_frame).max().unwrap_or(0));
    let (first, last) = (base.timecode_of(0), base.timecode_of(frames.max(1)));
    let mut out = String::new();
    out.push_str(&format!("TITLE: {}\n", one_line(source.title)));
    out.push_str(if base.drop_frame { "FCM: DROP FRAME\n\n" } else { "FCM: NON-DROP FRAME\n\n" });
    out.push_str(&format!("001  {:<8} V     C        {first} {last} {first} {last}\n", reel(source.title)));
    out.push_str(&format!("* FROM CLIP NAME: {}\n", one_line(source.clip_name)));
    for mark in marks {
        let kind = mark.kind.as_str();
        out.push_str(&format!(
            "* LOC: {} {:<7} {}\n",
            base.timecode_of(mark.start_frame),
            mark.kind.colour(),
            one_line(&mark.text)
        ));
        out.push_str(&format!("* REGIE: {kind} {}\n", base.timecode_of(mark.end_frame)));
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads the locators of an EDL as marks on `clock` (timecodes are the source's). Every wrong
/// line is reported; nothing is returned unless all are right.
pub fn import_edl(text: &str, clock: &SourceClock) -> Result<Vec<Mark>, Vec<LineError>> {
    let mut marks: Vec<Mark> = Vec::new();
    let mut errors = Vec::new();
    let mut last_was_locator = false;
    for (index, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = raw.trim_end();
        let number = index + 1;
        let mut fail = |reason: String| errors.push(LineError { line: number, reason });
        let was_locator = std::mem::take(&mut last_was_locator);
        if line.trim().is_empty() || line.starts_with("TITLE:") {
            continue;
        }
        if let Some(mode) = line.strip_prefix("FCM:") {
            let drop = match mode.trim() {
                "DROP FRAME" => true,
                "NON-DROP FRAME" => false,
                other => {
                    fail(format!("FCM must be DROP FRAME or NON-DROP FRAME, not {other:?}"));
                    continue;
                }
            };
            if drop && !clock.base.drop_frame {
                fail("the EDL counts drop-frame timecode but the asset's timecode does not drop frames".to_owned());
            }
            continue;
        }
        if let Some(locator) = line.strip_prefix("* LOC:") {
            match locator_mark(locator, clock) {
                Ok(mark) => {
                    marks.push(mark);
                    last_was_locator = true;
                }
                Err(reason) => fail(reason),
            }
            continue;
        }
        if let Some(extra) = line.strip_prefix("* REGIE:") {
            if !was_locator {
                fail("a REGIE line must follow the LOC line it completes".to_owned());
                continue;
            }
            match range_of(extra, clock, marks.last().map_or(0, |mark| mark.start_frame)) {
                Ok((kind, end)) => {
                    let mark = marks.last_mut().expect("a locator came just before");
                    (mark.kind, mark.end_frame) = (kind, end);
                }
                Err(reason) => fail(reason),
            }
            continue;
        }
        if line.starts_with('*') || line.starts_with(">>>") {
            continue;
        }
        if let Err(reason) = check_event(line) {
            fail(reason);
        }
    }
    if errors.is_empty() { Ok(marks) } else { Err(errors) }
}

/// ` 10:00:02:05 RED     text` (the colour may be missing).
fn locator_mark(locator: &str, clock: &SourceClock) -> Result<Mark, String> {
    let locator = locator.trim_start();
    let (timecode, rest) = locator.split_once(char::is_whitespace).unwrap_or((locator, ""));
    let start = clock.frame_of(timecode).map_err(|error| error.to_string())?;
    let rest = rest.trim_start();
    let text = match rest.split_once(char::is_whitespace) {
        Some((word, text)) if COLOURS.contains(&word) => text,
        None if COLOURS.contains(&rest) => "",
        _ => rest,
    };
    Mark::new(SegmentKind::marker(), start, start, text).map_err(|error| error.to_string())
}

/// ` KIND OUT-TC`.
fn range_of(extra: &str, clock: &SourceClock, start: u64) -> Result<(SegmentKind, u64), String> {
    let fields: Vec<&str> = extra.split_whitespace().collect();
    let [kind, out] = fields.as_slice() else {
        return Err("expected `* REGIE: KIND OUT-TIMECODE`".to_owned());
    };
    let kind = SegmentKind::parse(kind).map_err(|error| error.to_string())?;
    let end = clock.frame_of(out).map_err(|error| error.to_string())?;
    if end < start {
        return Err(format!("the out-point {out} comes before the locator"));
    }
    Ok((kind, end))
}

/// `001  REEL V C 10:00:00:00 10:00:30:00 10:00:00:00 10:00:30:00` (a dissolve adds its length).
fn check_event(line: &str) -> Result<(), String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let numbered = fields.first().is_some_and(|first| first.len() <= 6 && first.chars().all(|c| c.is_ascii_digit()));
    if !numbered || fields.len() < 8 {
        return Err("not a CMX 3600 event, locator or comment".to_owned());
    }
    for timecode in &fields[fields.len() - 4..] {
        crate::timecode::parse_timecode(timecode).map_err(|error| error.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timecode::TimeBase;

    fn clock(rate: &str, start: &str, frames: u64) -> SourceClock {
        SourceClock { base: TimeBase::new(rate.parse().unwrap(), Some(start)).unwrap(), frames: Some(frames) }
    }

    fn mark(kind: &str, start: u64, end: u64, text: &str) -> Mark {
        Mark::new(SegmentKind::parse(kind).unwrap(), start, end, text).unwrap()
    }

    #[test]
    fn an_export_reads_back_as_the_same_marks() {
        let clock = clock("25", "10:00:00:00", 750);
        let marks = vec![
            mark("marker", 55, 55, "Goal in the 12th minute"),
            mark("chapter", 0, 250, "Opening"),
            mark("ad-break", 500, 625, ""),
        ];
        let source = EdlSource { title: "NEWS-20261129-001", clip_name: "match.mov", clock };
        let edl = export_edl(&source, &marks);
        assert!(edl.contains("FCM: NON-DROP FRAME"), "{edl}");
        assert!(edl.contains("001  NEWS2026 V     C        10:00:00:00 10:00:30:00 10:00:00:00 10:00:30:00"), "{edl}");
        assert!(edl.contains("* LOC: 10:00:02:05 RED     Goal in the 12th minute"), "{edl}");
        assert_eq!(import_edl(&edl, &clock).unwrap(), marks);
    }

    #[test]
    fn drop_frame_sources_write_drop_frame_edls() {
        let clock = clock("30000/1001", "01:00:00;00", 4000);
        let edl = export_edl(&EdlSource { title: "x", clip_name: "x", clock }, &[mark("marker", 1800, 1800, "")]);
        assert!(edl.contains("FCM: DROP FRAME") && edl.contains("* LOC: 01:01:00;02 RED"), "{edl}");
        assert_eq!(import_edl(&edl, &clock).unwrap()[0].start_frame, 1800);
    }

    #[test]
    fn every_wrong_line_is_named() {
        let clock = clock("25", "10:00:00:00", 750);
        let edl = "TITLE: x\nFCM: DROP FRAME\n001  AX V C 10:00:00:00 10:00:30:00 10:00:00:00 10:00:3O:00\n\
                   * LOC: 10:00:02:05 RED fine\n* LOC: 09:00:00:00 RED early\n* LOC: 10:00:02:30 BLUE frame 30\n\
                   * LOC: 10:01:00:00 RED late\nrubbish\n* REGIE: marker 10:00:01:00\n";
        let errors = import_edl(edl, &clock).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, [2, 3, 5, 6, 7, 8, 9], "{errors:#?}");
        assert!(errors[0].reason.contains("drop-frame"));
        assert!(errors[2].reason.contains("before the first frame"));
        assert!(errors[4].reason.contains("after the end"));
    }

    #[test]
    fn locators_from_other_tools_become_markers() {
        let clock = clock("25", "00:00:00:00", 1000);
        let edl = "TITLE: Cut\nFCM: NON-DROP FRAME\n\n001  AX       V     C        00:00:00:00 00:00:10:00 01:00:00:00 01:00:10:00\n\
                   * FROM CLIP NAME: a.mov\n* LOC: 00:00:04:00 YELLOW  fix the colour here\n* LOC: 00:00:05:00 GREEN\n";
        let marks = import_edl(edl, &clock).unwrap();
        assert_eq!(marks, [mark("marker", 100, 100, "fix the colour here"), mark("marker", 125, 125, "")]);
    }
}
