//! Speech to text: ffmpeg takes the first audio stream down to 16 kHz mono PCM in the work folder,
//! and the speech engine (faster-whisper, installed beside regie by `scripts/install-speech.sh`)
//! transcribes it, printing JSON lines that `parse_engine_output` reads.

use std::ffi::OsString;
use std::path::Path;

use regie_core::subtitle::SubtitleCue;
use serde::Deserialize;

use crate::runner::{FFMPEG, file_argument};
use crate::{MediaError, ToolRunner};

/// What the engine is called in messages.
const ENGINE: &str = "the speech engine";
/// The engine's exit status when its model or library cannot be loaded.
const ENGINE_UNUSABLE: i32 = 3;

/// The language to transcribe in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeechLanguage {
    /// Detected by the engine, between French and English.
    Auto,
    French,
    English,
}

impl SpeechLanguage {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "auto" => Some(Self::Auto),
            "fr" => Some(Self::French),
            "en" => Some(Self::English),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::French => "fr",
            Self::English => "en",
        }
    }
}

/// How to run the engine.
#[derive(Debug, Clone)]
pub struct SpeechRequest<'a> {
    /// The engine's program (`regie-speech`).
    pub engine: &'a Path,
    pub language: SpeechLanguage,
    pub threads: usize,
}

/// A transcription.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// `fr` or `en`.
    pub language: String,
    /// How sure the engine is of the language (1 when it was given).
    pub probability: f64,
    /// Whether the language was detected rather than given.
    pub detected: bool,
    pub cues: Vec<SubtitleCue>,
    /// Length of the audio transcribed.
    pub duration_s: f64,
}

impl ToolRunner {
    /// Transcribes the first audio stream of `source`; the audio is written to `work_dir`.
    pub async fn transcribe(
        &self,
        source: &Path,
        work_dir: &Path,
        request: &SpeechRequest<'_>,
    ) -> Result<Transcript, MediaError> {
        let audio = work_dir.join("speech.wav");
        let arguments: Vec<OsString> = ["-nostdin", "-v", "error", "-i"]
            .into_iter()
            .map(OsString::from)
            .chain([file_argument(source)])
            .chain(
                ["-map", "0:a:0", "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-f", "wav", "-y"]
                    .map(OsString::from),
            )
            .chain([file_argument(&audio)])
            .collect();
        let output = self.run(FFMPEG, arguments, source).await?;
        if !output.success {
            return Err(MediaError::Unreadable {
                tool: FFMPEG.program,
                path: source.to_owned(),
                stderr: output.stderr,
            });
        }
        let missing = || MediaError::EngineMissing {
            engine: ENGINE,
            path: request.engine.to_owned(),
            how: "install it with `scripts/install-speech.sh`, or set `[intelligence] speech_engine`".to_owned(),
        };
        let arguments: Vec<OsString> = vec![
            audio.clone().into_os_string(),
            "--language".into(),
            request.language.code().into(),
            "--threads".into(),
            request.threads.max(1).to_string().into(),
        ];
        let output = self.run_program(request.engine, "speech engine", arguments, source, missing).await;
        let _ = std::fs::remove_file(&audio);
        let output = output?;
        if !output.success {
            if output.status_code == Some(ENGINE_UNUSABLE) {
                return Err(MediaError::EngineMissing {
                    engine: ENGINE,
                    path: request.engine.to_owned(),
                    how: format!("{} (reinstall it with `scripts/install-speech.sh`)", output.stderr),
                });
            }
            return Err(MediaError::EngineFailed { engine: ENGINE, stderr: output.stderr });
        }
        parse_engine_output(&String::from_utf8_lossy(&output.stdout))
            .map_err(|reason| MediaError::EngineFailed { engine: ENGINE, stderr: reason })
    }
}

#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
enum EngineLine {
    Language { language: String, probability: f64, detected: bool },
    Segment { start: f64, end: f64, text: String },
    Done { duration: f64 },
    Ready {},
}

/// Reads the engine's JSON lines: a language, segments, then `done` (its absence means the
/// engine stopped half-way).
pub fn parse_engine_output(text: &str) -> Result<Transcript, String> {
    let mut transcript =
        Transcript { language: String::new(), probability: 0.0, detected: false, cues: Vec::new(), duration_s: 0.0 };
    let mut done = false;
    for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let parsed: EngineLine = serde_json::from_str(line)
            .map_err(|error| format!("line {} of its output is not understood: {error}", number + 1))?;
        match parsed {
            EngineLine::Language { language, probability, detected } => {
                transcript.language = language;
                transcript.probability = probability;
                transcript.detected = detected;
            }
            EngineLine::Segment { start, end, text } => {
                let start_ms = seconds_to_ms(start);
                let end_ms = seconds_to_ms(end).max(start_ms);
                transcript.cues.push(SubtitleCue { start_ms, end_ms, text: text.trim().to_owned() });
            }
            EngineLine::Done { duration } => {
                transcript.duration_s = duration;
                done = true;
            }
            EngineLine::Ready {} => {}
        }
    }
    if !done {
        return Err("it stopped before the end of the audio".to_owned());
    }
    if transcript.language.is_empty() && !transcript.cues.is_empty() {
        return Err("it gave no language".to_owned());
    }
    // The code is stored and put in file names: two or three lower-case letters, nothing else.
    let code = &transcript.language;
    let plain = (2..=3).contains(&code.len()) && code.bytes().all(|byte| byte.is_ascii_lowercase());
    if !code.is_empty() && !plain {
        return Err(format!(
            "it gave a language code regie does not know ({:?})",
            code.chars().take(8).collect::<String>()
        ));
    }
    transcript.cues.retain(|cue| !cue.text.is_empty());
    Ok(transcript)
}

fn seconds_to_ms(seconds: f64) -> u64 {
    if seconds.is_finite() && seconds > 0.0 { (seconds * 1000.0).round() as u64 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_output_becomes_cues_with_the_language() {
        let text = r#"{"event": "language", "language": "fr", "probability": 0.997, "detected": true}
{"event": "segment", "start": 0.0, "end": 2.48, "text": " Bonjour à tous. "}
{"event": "segment", "start": 2.6, "end": 5.1, "text": "Le journal de vingt heures."}
{"event": "done", "duration": 5.4, "segments": 2}
"#;
        let transcript = parse_engine_output(text).unwrap();
        assert_eq!(transcript.language, "fr");
        assert!(transcript.detected);
        assert_eq!(transcript.cues.len(), 2);
        assert_eq!(transcript.cues[0], SubtitleCue { start_ms: 0, end_ms: 2480, text: "Bonjour à tous.".into() });
        assert_eq!(transcript.cues[1].start_ms, 2600);
        assert_eq!(transcript.duration_s, 5.4);
    }

    #[test]
    fn an_engine_that_stops_half_way_or_prints_nonsense_is_an_error() {
        let cut = r#"{"event": "language", "language": "en", "probability": 0.9, "detected": true}
{"event": "segment", "start": 0.0, "end": 1.0, "text": "Hello"}"#;
        assert!(parse_engine_output(cut).unwrap_err().contains("stopped before the end"));
        assert!(parse_engine_output("Traceback (most recent call last):").unwrap_err().contains("line 1"));
        let odd = r#"{"event": "language", "language": "fr\"; rm", "probability": 1.0, "detected": false}
{"event": "done", "duration": 1.0, "segments": 0}"#;
        assert!(parse_engine_output(odd).unwrap_err().contains("language code"));
    }

    #[test]
    fn silence_is_an_empty_transcript() {
        let transcript = parse_engine_output(r#"{"event": "done", "duration": 0.0, "segments": 0}"#).unwrap();
        assert!(transcript.cues.is_empty());
    }
}
