//! Media intelligence, offline: transcripts of speech (the speech engine, a process regie starts
//! like ffmpeg) and, to come, text in the picture, near-duplicates, recommendations and trends.
//! Nothing here reaches the network.

mod speech;
mod subtitles;

pub use regie_media::SpeechLanguage;
pub use speech::{SPEECH_ENGINE_NAME, TranscriptReport};
pub use subtitles::SubtitleExport;

pub(crate) use speech::{TRANSCRIBE, has_speech, transcribe_at_ingest, transcribe_job};
