//! The one crate that starts processes. Today that is ffprobe, to describe media; FFmpeg follows.
//! Arguments are built and outputs parsed by pure functions, tested on recorded tool output;
//! the runner adds the argument vector (never a shell), a timeout, kill-on-drop and a concurrency limit.

mod brightness;
mod codec_string;
mod derive_args;
mod detect;
mod embed;
mod error;
mod exif;
mod ffmpeg_run;
mod fingerprint;
mod gain;
mod keyframes;
mod levels;
mod loudness;
mod native;
mod ocr;
mod probe;
mod quality;
mod runner;
mod shots;
mod speech;
mod ssh;
mod subclip;
mod transcode_args;
mod truncation;
mod waveform;

pub use brightness::{MAX_BRIGHTNESS_PICTURES, brightness_arguments};
pub use codec_string::{hevc_codec_string, set_dash_codecs, set_hls_codecs};
pub use derive_args::{
    LUMA_FILE, LUMA_SAMPLE_BYTES, POSTER_CANDIDATES, STORYBOARD_FILE, THUMBNAIL_FILE, preview_arguments,
    thumbnail_arguments,
};
pub use detect::{DetectionSettings, Detections, Segment, parse_detections};
pub use embed::{EmbeddingEngine, TextKind};
pub use error::MediaError;
pub use ffmpeg_run::{FfmpegReport, FfmpegRun, RunProgress};
pub use fingerprint::{MAX_FINGERPRINT_SAMPLES, fingerprint_arguments, sample_hashes};
pub use gain::{GainPlan, encoder_for};
pub use keyframes::{Keyframes, parse_keyframes};
pub use levels::{Levels, legal_range};
pub use loudness::Loudness;
pub use native::{DpxHeader, ExrTiming, Native, probe_native};
pub use ocr::{Sample as PictureSample, TextSpan, spans_of, text_lines};
pub use probe::{NATIVE_PROBER, Prober, parse_ffprobe_json};
pub use quality::{IDENTICAL_PSNR_DB, Quality, parse_quality, quality_arguments, quality_arguments_from};
pub use runner::ToolRunner;
pub use shots::{SAMPLE_EVERY, ShotAnalysis, ShotSettings, Transition as ShotTransition, detect_transitions};
pub use speech::{SpeechLanguage, SpeechRequest, Transcript, parse_engine_output};
pub use ssh::{SshOutput, SshTarget, sftp_quote, shell_quote};
pub use subclip::{Cut, CutMode, cut_arguments, parse_keyframe_frames};
pub use transcode_args::transcode_arguments;
pub use truncation::{Truncation, detect_truncation, truncation_of};
