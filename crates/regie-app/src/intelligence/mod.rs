//! Media intelligence, offline: transcripts of speech (the speech engine, a process regie starts
//! like ffmpeg), text in the picture (Tesseract), near-duplicates (perceptual
//! fingerprints), recommendations and trends from viewing events.
//! Nothing here reaches the network.

mod ocr;
mod recommend;
mod semantic;
mod similar;
mod speech;
mod subtitles;
mod trending;

pub use ocr::OcrReport;
pub(crate) use recommend::RecommenderCache;
pub use recommend::{EvaluationReport, MAX_RECOMMENDATIONS, Recommendation, RecommendationReport, evaluate_file};
pub use regie_db::ViewingKind;
pub use regie_media::SpeechLanguage;
pub(crate) use semantic::{EMBED, PassageCacheSlot};
pub use semantic::{EMBEDDING_MODEL, EmbedReport};
pub use similar::{NEAR_DUPLICATE_SCORE, SIMILAR_SCORE, SimilarAsset, SimilarReport};
pub use speech::{SPEECH_ENGINE_NAME, TranscriptReport};
pub use subtitles::SubtitleExport;
pub use trending::{TrendingAsset, TrendingReport};

pub(crate) use ocr::{OCR, has_pictures, ocr_at_ingest, ocr_job};
pub(crate) use similar::{FINGERPRINT, fingerprint_job, has_pictures_to_fingerprint};
pub(crate) use speech::{TRANSCRIBE, has_speech, transcribe_at_ingest, transcribe_job};
