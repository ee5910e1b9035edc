//! WebVTT chapters, as players (video.js, hls.js front ends, the HTML `<track kind="chapters">`)
//! read them: one cue per segment, from its in-point to its out-point; a segment on one instant
//! lasts until the next one starts (or the end of the source).

use super::{Mark, SourceClock};

/// Writes `marks` (in time order) as WebVTT chapter cues.
pub fn export_chapters(marks: &[Mark], clock: &SourceClock) -> String {
    let mut sorted: Vec<&Mark> = marks.iter().collect();
    sorted.sort_by_key(|mark| (mark.start_frame, mark.end_frame));
    let mut out = String::from("WEBVTT\n");
    for (index, mark) in sorted.iter().enumerate() {
        let next = sorted[index + 1..].iter().map(|later| later.start_frame).find(|start| *start > mark.start_frame);
        let end = if mark.end_frame > mark.start_frame {
            mark.end_frame
        } else {
            next.or(clock.frames).unwrap_or(mark.start_frame + 1).max(mark.start_frame + 1)
        };
        let title = if mark.text.trim().is_empty() { mark.kind.as_str().to_owned() } else { one_line(&mark.text) };
        out.push_str(&format!(
            "\n{}\n{} --> {}\n{title}\n",
            index + 1,
            clock_time(clock.base.seconds_of(mark.start_frame)),
            clock_time(clock.base.seconds_of(end))
        ));
    }
    out
}

/// Cue text may not hold a blank line or `-->`.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace("-->", "->")
}

/// `HH:MM:SS.mmm`, rounded to the millisecond.
fn clock_time(seconds: f64) -> String {
    let milliseconds = (seconds * 1000.0).round() as u64;
    let whole = milliseconds / 1000;
    format!("{:02}:{:02}:{:02}.{:03}", whole / 3600, whole / 60 % 60, whole % 60, milliseconds % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subtitle::parse_subtitles;
    use crate::timecode::TimeBase;
    use crate::timeline::SegmentKind;

    #[test]
    fn chapters_run_until_the_next_one_and_parse_as_webvtt() {
        let clock =
            SourceClock { base: TimeBase::new("30000/1001".parse().unwrap(), None).unwrap(), frames: Some(9000) };
        let chapter =
            |start, text: &str| Mark::new(SegmentKind::parse("chapter").unwrap(), start, start, text).unwrap();
        let vtt = export_chapters(&[chapter(1800, "Part two --> end"), chapter(0, "Part one")], &clock);
        let cues = parse_subtitles(&vtt).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start_ms, cues[0].end_ms, cues[0].text.as_str()), (0, 60_060, "Part one"));
        assert_eq!((cues[1].start_ms, cues[1].end_ms), (60_060, 300_300));
        assert!(vtt.starts_with("WEBVTT\n\n1\n00:00:00.000 --> 00:01:00.060\nPart one\n"), "{vtt}");
    }
}
