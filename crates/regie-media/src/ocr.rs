//! Text in the picture: ffmpeg samples the main video every few seconds (frames that barely
//! change from the last kept one are dropped by `mpdecimate`, so a caption over a still picture is
//! read once), and Tesseract reads each sample; `text_lines` keeps the lines it is sure of, and
//! `spans_of` turns the readings into time spans of each distinct line.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::runner::{FFMPEG, Tool, file_argument};
use crate::{MediaError, ToolRunner};

const TESSERACT: Tool = Tool { program: "tesseract", package: "tesseract-ocr tesseract-ocr-fra" };
/// Tesseract's languages: English and French.
const LANGUAGES: &str = "eng+fra";
/// A word is kept at or above this confidence (0-100), a line when its mean reaches `LINE_CONFIDENCE`.
const WORD_CONFIDENCE: f64 = 60.0;
const LINE_CONFIDENCE: f64 = 75.0;
/// Samples are scaled down to at most this width (Tesseract reads broadcast captions well there).
const SAMPLE_WIDTH: u32 = 1280;
/// At most this many samples per file (a day-long recording at one every 2 s).
pub const MAX_SAMPLES: usize = 43_200;

/// A sampled picture and its time in the file.
#[derive(Debug, Clone)]
pub struct Sample {
    pub seconds: f64,
    pub path: PathBuf,
}

/// A line of text seen from `start_s` until `end_s`.
#[derive(Debug, Clone, PartialEq)]
pub struct TextSpan {
    pub start_s: f64,
    pub end_s: f64,
    pub text: String,
}

impl ToolRunner {
    /// Samples the main video every `every_s` seconds into `work_dir`, dropping samples that
    /// barely differ from the last one kept; the samples in time order.
    pub async fn sample_pictures(
        &self,
        source: &Path,
        work_dir: &Path,
        every_s: f64,
    ) -> Result<Vec<Sample>, MediaError> {
        let every_s = every_s.clamp(0.2, 3600.0);
        let filter = format!("fps=1/{every_s},mpdecimate,scale='min({SAMPLE_WIDTH},iw)':-2");
        let mut arguments: Vec<OsString> = ["-nostdin", "-v", "error", "-i"].map(OsString::from).to_vec();
        arguments.push(file_argument(source));
        arguments.extend(
            ["-map", "0:v:0", "-an", "-sn", "-vf", &filter, "-fps_mode", "passthrough", "-frame_pts", "1"]
                .map(OsString::from),
        );
        arguments.extend(["-frames:v".into(), MAX_SAMPLES.to_string().into()]);
        arguments.push(file_argument(&work_dir.join("text-%010d.png")));
        let output = self.run(FFMPEG, arguments, source).await?;
        if !output.success {
            return Err(MediaError::Unreadable {
                tool: FFMPEG.program,
                path: source.to_owned(),
                stderr: output.stderr,
            });
        }
        let mut samples: Vec<Sample> = std::fs::read_dir(work_dir)
            .map_err(|source| MediaError::Read { path: work_dir.to_owned(), source })?
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                // With -frame_pts the number is the sample's timestamp in the fps filter's time
                // base: one unit per sample period.
                let number: u64 = name.strip_prefix("text-")?.strip_suffix(".png")?.parse().ok()?;
                Some(Sample { seconds: number as f64 * every_s, path: entry.path() })
            })
            .collect();
        samples.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        Ok(samples)
    }

    /// The lines of text Tesseract is sure of in a picture.
    pub async fn read_text(&self, picture: &Path) -> Result<Vec<String>, MediaError> {
        let arguments: Vec<OsString> = vec![
            picture.as_os_str().to_owned(),
            "stdout".into(),
            "-l".into(),
            LANGUAGES.into(),
            "--psm".into(),
            "3".into(),
            "tsv".into(),
        ];
        let output = self.run(TESSERACT, arguments, picture).await?;
        if !output.success {
            return Err(MediaError::Failed {
                tool: TESSERACT.program,
                path: picture.to_owned(),
                stderr: output.stderr,
            });
        }
        Ok(text_lines(&String::from_utf8_lossy(&output.stdout)))
    }
}

/// The lines of Tesseract's TSV output worth keeping: words read with confidence, lines whose
/// mean confidence is high and that hold a real word (three letters or more).
pub fn text_lines(tsv: &str) -> Vec<String> {
    // Words grouped by their line: (block, paragraph, line) with the page, and (confidence, word).
    type LineKey = (u32, u32, u32, u32);
    let mut lines: Vec<(LineKey, Vec<(f64, String)>)> = Vec::new();
    for row in tsv.lines().skip(1) {
        let columns: Vec<&str> = row.split('\t').collect();
        if columns.len() < 12 || columns[0] != "5" {
            continue;
        }
        let number = |index: usize| columns[index].parse::<u32>().unwrap_or(0);
        let key = (number(1), number(2), number(3), number(4));
        let confidence: f64 = columns[10].parse().unwrap_or(-1.0);
        let word = columns[11].trim();
        if word.is_empty() {
            continue;
        }
        match lines.last_mut() {
            Some((last, words)) if *last == key => words.push((confidence, word.to_owned())),
            _ => lines.push((key, vec![(confidence, word.to_owned())])),
        }
    }
    lines
        .into_iter()
        .filter_map(|(_, words)| {
            let kept: Vec<&(f64, String)> = words
                .iter()
                .filter(|(confidence, word)| {
                    *confidence >= WORD_CONFIDENCE && word.chars().filter(|c| c.is_alphanumeric()).count() >= 2
                })
                .collect();
            if kept.is_empty() {
                return None;
            }
            let mean = kept.iter().map(|(confidence, _)| confidence).sum::<f64>() / kept.len() as f64;
            let has_word = kept.iter().any(|(_, word)| word.chars().filter(|c| c.is_alphabetic()).count() >= 3);
            (mean >= LINE_CONFIDENCE && has_word)
                .then(|| kept.iter().map(|(_, word)| word.as_str()).collect::<Vec<_>>().join(" "))
        })
        .collect()
}

/// Each distinct line from its first sample until the first later sample without it (or the
/// end, `duration_s`); `readings` are in time order.
pub fn spans_of(readings: &[(f64, Vec<String>)], duration_s: f64) -> Vec<TextSpan> {
    let mut open: Vec<(String, f64)> = Vec::new();
    let mut spans = Vec::new();
    for (seconds, lines) in readings {
        open.retain(|(text, start_s)| {
            let still = lines.iter().any(|line| line == text);
            if !still {
                spans.push(TextSpan { start_s: *start_s, end_s: *seconds, text: text.clone() });
            }
            still
        });
        for line in lines {
            if !open.iter().any(|(text, _)| text == line) {
                open.push((line.clone(), *seconds));
            }
        }
    }
    for (text, start_s) in open {
        spans.push(TextSpan { start_s, end_s: duration_s.max(start_s), text });
    }
    spans.sort_by(|a, b| a.start_s.total_cmp(&b.start_s).then_with(|| a.text.cmp(&b.text)));
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n";

    fn word(line: u32, confidence: f64, text: &str) -> String {
        format!("5\t1\t1\t1\t{line}\t1\t0\t0\t10\t10\t{confidence}\t{text}\n")
    }

    #[test]
    fn sure_lines_are_kept_and_noise_is_dropped() {
        let tsv = format!(
            "{HEADER}{}{}{}{}{}{}{}",
            word(1, 46.6, "00:00:"),
            word(1, 73.7, "60"),
            word(2, 96.1, "Breaking"),
            word(2, 95.5, "news"),
            word(2, 96.2, "Lyon"),
            word(3, 0.0, "C—O"),
            word(3, 12.0, "Ell"),
        );
        assert_eq!(text_lines(&tsv), ["Breaking news Lyon"]);
    }

    #[test]
    fn a_line_spans_the_samples_it_is_seen_in() {
        let readings = vec![
            (0.0, vec![]),
            (2.0, vec!["Breaking news".to_owned()]),
            (4.0, vec!["Breaking news".to_owned(), "Lyon".to_owned()]),
            (6.0, vec!["Lyon".to_owned()]),
        ];
        let spans = spans_of(&readings, 9.0);
        assert_eq!(
            spans,
            [
                TextSpan { start_s: 2.0, end_s: 6.0, text: "Breaking news".into() },
                TextSpan { start_s: 4.0, end_s: 9.0, text: "Lyon".into() },
            ]
        );
    }
}
