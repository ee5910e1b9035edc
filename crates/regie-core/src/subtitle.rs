//! Subtitle files (SubRip `.srt`, WebVTT `.vtt`) read into timed lines of plain text, so that a
//! search for a spoken line finds the asset and the moment.

use serde::{Deserialize, Serialize};

/// One subtitle line (or group of lines shown together).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtitleCue {
    pub start_ms: u64,
    pub end_ms: u64,
    /// The text without markup, lines joined by spaces.
    pub text: String,
}

/// The cues of one subtitle file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtitleTrack {
    /// `fr`, `en`... from the file name (`clip.fr.srt`), when it says.
    pub language: Option<String>,
    /// The file's name.
    pub source: String,
    pub cues: Vec<SubtitleCue>,
}

/// Reads SubRip or WebVTT text; a cue whose timing cannot be read is an error naming its line.
pub fn parse_subtitles(text: &str) -> Result<Vec<SubtitleCue>, String> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n").replace('\r', "\n");
    let mut cues = Vec::new();
    let mut line_number = 0;
    for block in text.split("\n\n") {
        let first_line = line_number + 1 + block.chars().take_while(|c| *c == '\n').count();
        line_number += block.lines().count() + 1;
        let lines: Vec<&str> = block.lines().map(str::trim_end).filter(|line| !line.trim().is_empty()).collect();
        let Some(timing_at) = lines.iter().position(|line| line.contains("-->")) else {
            // Headers (WEBVTT), NOTE, STYLE and REGION blocks, stray numbers.
            continue;
        };
        let timing = lines[timing_at];
        let (start, rest) = timing.split_once("-->").unwrap_or_default();
        // WebVTT settings may follow the end time: `00:01.000 --> 00:04.000 align:start`.
        let end = rest.split_whitespace().next().unwrap_or_default();
        let (Some(start_ms), Some(end_ms)) = (time_ms(start.trim()), time_ms(end)) else {
            return Err(format!("line {}: cannot read the timing {timing:?}", first_line + timing_at));
        };
        let spoken: Vec<String> =
            lines[timing_at + 1..].iter().map(|line| without_markup(line)).filter(|line| !line.is_empty()).collect();
        if !spoken.is_empty() {
            cues.push(SubtitleCue { start_ms, end_ms, text: spoken.join(" ") });
        }
    }
    if cues.is_empty() {
        return Err("no cue found (expected SubRip or WebVTT timings such as 00:00:01,000 --> 00:00:02,500)".into());
    }
    cues.sort_by_key(|cue| cue.start_ms);
    Ok(cues)
}

/// The file formats cues are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubtitleFormat {
    Srt,
    Vtt,
}

impl SubtitleFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "srt" => Some(Self::Srt),
            "vtt" | "webvtt" => Some(Self::Vtt),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Srt => "srt",
            Self::Vtt => "vtt",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Srt => "application/x-subrip; charset=utf-8",
            Self::Vtt => "text/vtt; charset=utf-8",
        }
    }
}

/// Writes cues as a SubRip or WebVTT file; a cue's text never closes its block early (blank
/// lines are folded) nor reads as a timing line (`-->` is spaced out).
pub fn write_subtitles(cues: &[SubtitleCue], format: SubtitleFormat) -> String {
    let mut out = String::new();
    if format == SubtitleFormat::Vtt {
        out.push_str("WEBVTT\n\n");
    }
    for (index, cue) in cues.iter().enumerate() {
        let separator = if format == SubtitleFormat::Srt { ',' } else { '.' };
        let text: Vec<&str> = cue.text.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
        let text = text.join("\n").replace("-->", "- ->");
        out.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            index + 1,
            clock(cue.start_ms, separator),
            clock(cue.end_ms.max(cue.start_ms), separator),
            text
        ));
    }
    out
}

fn clock(ms: u64, separator: char) -> String {
    let (hours, rest) = (ms / 3_600_000, ms % 3_600_000);
    format!("{hours:02}:{:02}:{:02}{separator}{:03}", rest / 60_000, rest % 60_000 / 1000, rest % 1000)
}

/// `HH:MM:SS,mmm`, `HH:MM:SS.mmm` or `MM:SS.mmm` in milliseconds.
fn time_ms(text: &str) -> Option<u64> {
    let (clock, fraction) = text.split_once([',', '.'])?;
    if fraction.len() != 3 {
        return None;
    }
    let milliseconds: u64 = fraction.parse().ok()?;
    let parts: Vec<u64> = clock.split(':').map(|part| part.parse().ok()).collect::<Option<_>>()?;
    let (hours, minutes, seconds) = match parts.as_slice() {
        [hours, minutes, seconds] => (*hours, *minutes, *seconds),
        [minutes, seconds] => (0, *minutes, *seconds),
        _ => return None,
    };
    if minutes >= 60 || seconds >= 60 {
        return None;
    }
    Some(((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds)
}

/// Drops `<i>`, `<v Anne>`, `</b>` and `{\an8}`-style markup; decodes the common entities.
fn without_markup(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut skipping: Option<char> = None;
    for character in line.chars() {
        match (skipping, character) {
            (None, '<') => skipping = Some('>'),
            (None, '{') => skipping = Some('}'),
            (Some(end), found) if found == end => skipping = None,
            (Some(_), _) => {}
            (None, character) => out.push(character),
        }
    }
    out.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").trim().to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn written_cues_read_back_the_same_in_both_formats() {
        let cues = vec![
            SubtitleCue { start_ms: 1_500, end_ms: 4_000, text: "Bonjour à tous".into() },
            SubtitleCue { start_ms: 3_723_004, end_ms: 3_725_000, text: "a --> b".into() },
        ];
        let srt = write_subtitles(&cues, SubtitleFormat::Srt);
        assert!(srt.starts_with("1\n00:00:01,500 --> 00:00:04,000\nBonjour à tous\n\n2\n01:02:03,004"), "{srt}");
        let vtt = write_subtitles(&cues, SubtitleFormat::Vtt);
        assert!(vtt.starts_with("WEBVTT\n\n1\n00:00:01.500 --> 00:00:04.000\n"), "{vtt}");
        for text in [srt, vtt] {
            let back = parse_subtitles(&text).unwrap();
            assert_eq!(back[0], cues[0]);
            assert_eq!((back[1].start_ms, back[1].end_ms, back[1].text.as_str()), (3_723_004, 3_725_000, "a - -> b"));
        }
    }

    use super::*;

    #[test]
    fn subrip_cues_with_markup_removed() {
        let srt = "\u{feff}1\r\n00:00:01,000 --> 00:00:03,500\r\n<i>Bonsoir</i> à tous.\r\n\r\n2\r\n\
                   00:12:34,560 --> 00:12:37,000\r\n{\\an8}La tempête a frappé\r\nla Bretagne.\r\n";
        let cues = parse_subtitles(srt).unwrap();
        assert_eq!(
            cues,
            vec![
                SubtitleCue { start_ms: 1_000, end_ms: 3_500, text: "Bonsoir à tous.".into() },
                SubtitleCue { start_ms: 754_560, end_ms: 757_000, text: "La tempête a frappé la Bretagne.".into() },
            ]
        );
    }

    #[test]
    fn webvtt_with_header_notes_settings_and_short_times() {
        let vtt = "WEBVTT - news\n\nNOTE written by hand\n\nintro\n00:01.000 --> 00:04.000 align:start\n\
                   <v Anne>Good evening &amp; welcome.\n\n01:00:00.000 --> 01:00:02.000\nThe end.\n";
        let cues = parse_subtitles(vtt).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0], SubtitleCue { start_ms: 1_000, end_ms: 4_000, text: "Good evening & welcome.".into() });
        assert_eq!(cues[1].start_ms, 3_600_000);
    }

    #[test]
    fn broken_timings_and_empty_files_are_errors() {
        let error = parse_subtitles("1\n00:00:01,000 --> soon\nHello\n").unwrap_err();
        assert!(error.contains("line 2"), "{error}");
        assert!(parse_subtitles("just some text\n").is_err());
        assert!(parse_subtitles("1\n00:00:99,000 --> 00:01:00,000\nHi\n").is_err());
    }
}
