//! HLS whole-segment encryption (`METHOD=AES-128`): each media segment AES-128-CBC with PKCS#7
//! padding, its IV its media sequence number (what players assume when the tag gives none). The
//! init segment stays clear: the key tag comes after `EXT-X-MAP`.

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;

/// `segment` encrypted for the media sequence number `sequence`.
pub fn encrypt_whole_segment(segment: &[u8], key: &[u8; 16], sequence: u64) -> Vec<u8> {
    let iv = u128::from(sequence).to_be_bytes();
    Aes128CbcEnc::new(key.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(segment)
}

/// Each media segment of a media playlist with its media sequence number.
pub fn segment_sequence_numbers(playlist: &str) -> Vec<(String, u64)> {
    let mut sequence = playlist
        .lines()
        .find_map(|line| line.strip_prefix("#EXT-X-MEDIA-SEQUENCE:"))
        .and_then(|number| number.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let mut segments = Vec::new();
    for line in playlist.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        segments.push((line.to_owned(), sequence));
        sequence += 1;
    }
    segments
}

/// The media playlist with `#EXT-X-KEY:METHOD=AES-128,URI="KEY_URI"` before its first segment
/// (after `EXT-X-MAP`, so the init segment stays clear).
pub fn key_tag_playlist(playlist: &str, key_uri: &str) -> String {
    let tag = format!("#EXT-X-KEY:METHOD=AES-128,URI=\"{key_uri}\"");
    with_key_tag(playlist, &tag, false)
}

/// The playlist with `tag` on a line of its own before its first media segment, or before its
/// `EXT-X-MAP` when the init segment is under the key too (`covers_map`).
pub(crate) fn with_key_tag(playlist: &str, tag: &str, covers_map: bool) -> String {
    let mut out = String::with_capacity(playlist.len() + tag.len() + 1);
    let mut placed = false;
    for line in playlist.lines() {
        let segment = !line.trim().is_empty() && !line.starts_with('#');
        let first = segment || line.starts_with("#EXTINF") || (covers_map && line.starts_with("#EXT-X-MAP"));
        if !placed && first {
            out.push_str(tag);
            out.push('\n');
            placed = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockDecryptMut;

    const PLAYLIST: &str = "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-MAP:URI=\"init-0.m4s\"\n\
        #EXTINF:2.000000,\n#EXT-X-PROGRAM-DATE-TIME:2026-12-05T07:25:23.000+0000\nchunk-0-00001.m4s\n\
        #EXTINF:2.000000,\nchunk-0-00002.m4s\n#EXT-X-ENDLIST\n";

    #[test]
    fn segments_are_numbered_from_the_media_sequence_and_the_key_follows_the_map() {
        assert_eq!(
            segment_sequence_numbers(PLAYLIST),
            vec![("chunk-0-00001.m4s".to_owned(), 1), ("chunk-0-00002.m4s".to_owned(), 2)]
        );
        let keyed = key_tag_playlist(PLAYLIST, "/api/v1/keys/abc");
        let lines: Vec<&str> = keyed.lines().collect();
        let map = lines.iter().position(|line| line.starts_with("#EXT-X-MAP")).unwrap();
        assert_eq!(lines[map + 1], "#EXT-X-KEY:METHOD=AES-128,URI=\"/api/v1/keys/abc\"");
        assert_eq!(keyed.matches("#EXT-X-KEY").count(), 1);
    }

    #[test]
    fn a_segment_decrypts_with_its_sequence_number_as_iv() {
        let segment: Vec<u8> = (0..1000u32).map(|index| (index * 7) as u8).collect();
        let key = [9u8; 16];
        let encrypted = encrypt_whole_segment(&segment, &key, 3);
        assert_eq!(encrypted.len(), 1008, "padded to the next block");
        let iv = 3u128.to_be_bytes();
        let decrypted = cbc::Decryptor::<aes::Aes128>::new((&key).into(), &iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(&encrypted)
            .unwrap();
        assert_eq!(decrypted, segment);
        assert_ne!(encrypt_whole_segment(&segment, &key, 4), encrypted);
    }
}
