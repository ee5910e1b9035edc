//! Protected packages. A CMAF ladder made by ffmpeg is encrypted after it is verified and
//! measured, before it is stored:
//!
//! - `cenc`: Common Encryption, AES-CTR, per sample (`cenc.rs`): video NAL units keep their
//!   length and header in the clear (subsamples), audio samples are encrypted whole; the init
//!   segment says so (`encv`/`enca`, `sinf`, `tenc` with the key id, a W3C common `pssh`), each
//!   fragment carries its samples' IVs (`senc`, `saiz`, `saio`). DASH players decrypt it with
//!   ClearKey (`manifests.rs` adds `ContentProtection`); HLS playlists say `SAMPLE-AES-CTR`.
//! - `aes-128`: HLS whole-segment encryption (`hls_aes.rs`): AES-128-CBC with PKCS#7 padding,
//!   the IV the segment's media sequence number; the playlists name the key's URI.
//!
//! Keys are 16 random bytes per rendition, sealed at rest with AES-256-GCM under the
//! installation's master key (`sealing.rs`).

mod boxes;
mod cenc;
mod error;
mod hls_aes;
mod manifests;
mod sealing;

pub use cenc::{CENC_SYSTEM_ID, TrackCodec, encrypt_fragment, protect_init, track_codec};
pub use error::ProtectError;
pub use hls_aes::{encrypt_whole_segment, key_tag_playlist, segment_sequence_numbers};
pub use manifests::{key_id_uuid, protect_dash_manifest, sample_aes_ctr_playlist};
pub use sealing::{ContentKey, MASTER_KEY_BYTES, MasterKey, random_bytes};

/// How a package is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// CENC AES-CTR samples: DASH with ClearKey (and HLS `SAMPLE-AES-CTR`).
    Cenc,
    /// HLS whole segments, AES-128-CBC.
    Aes128,
}
