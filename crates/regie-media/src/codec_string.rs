//! RFC 6381 codec strings that players need to pick a variant: FFmpeg 5.1's DASH muxer writes a
//! bare `hvc1` for HEVC, which browsers' `MediaSource.isTypeSupported` and Apple's players
//! refuse. The full string (ISO/IEC 14496-15 annex E, `hvc1.2.4.L93.90`) is read from the
//! `hvcC` record of the rung's CMAF initialisation segment, and written into the HLS master
//! playlist and the DASH manifest in place of the bare tag.

/// The codec string of the first `hvcC` record in `init_segment` (an fMP4 initialisation
/// segment), with the sample entry's four-character code `tag` (`hvc1`).
pub fn hevc_codec_string(init_segment: &[u8], tag: &str) -> Option<String> {
    let at = init_segment.windows(4).position(|window| window == b"hvcC")? + 4;
    let record = init_segment.get(at..at + 13)?;
    if record[0] != 1 {
        return None; // configurationVersion 1 is the only one defined
    }
    let profile_space = ["", "A", "B", "C"][usize::from(record[1] >> 6)];
    let high_tier = record[1] & 0x20 != 0;
    let profile_idc = record[1] & 0x1f;
    let compatibility = u32::from_be_bytes([record[2], record[3], record[4], record[5]]).reverse_bits();
    let constraints = &record[6..12];
    let level = record[12];
    let kept = constraints.iter().rposition(|byte| *byte != 0).map_or(0, |last| last + 1);
    let mut text =
        format!("{tag}.{profile_space}{profile_idc}.{compatibility:X}.{}{level}", if high_tier { 'H' } else { 'L' });
    for byte in &constraints[..kept] {
        text.push_str(&format!(".{byte:X}"));
    }
    Some(text)
}

/// The DASH manifest with `codecs="TAG"` of representation `id` replaced by `codecs`.
pub fn set_dash_codecs(manifest: &str, id: usize, tag: &str, codecs: &str) -> String {
    let opening = format!("<Representation id=\"{id}\"");
    manifest
        .lines()
        .map(|line| {
            if line.trim_start().starts_with(&opening) {
                line.replacen(&format!("codecs=\"{tag}\""), &format!("codecs=\"{codecs}\""), 1)
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if manifest.ends_with('\n') { "\n" } else { "" }
}

/// The HLS master playlist with the bare `TAG` in the `CODECS` of the variant whose playlist is
/// `media_ID.m3u8` replaced by the codec string `codecs_of(ID)` gives.
pub fn set_hls_codecs(master: &str, tag: &str, codecs_of: impl Fn(usize) -> Option<String>) -> String {
    let lines: Vec<&str> = master.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let variant = lines
            .get(index + 1)
            .and_then(|next| next.trim().strip_prefix("media_"))
            .and_then(|rest| rest.strip_suffix(".m3u8"))
            .and_then(|id| id.parse::<usize>().ok());
        match (line.starts_with("#EXT-X-STREAM-INF:"), variant.and_then(&codecs_of)) {
            (true, Some(codecs)) => {
                let bare = [format!("CODECS=\"{tag},"), format!("CODECS=\"{tag}\"")];
                let full = [format!("CODECS=\"{codecs},"), format!("CODECS=\"{codecs}\"")];
                let replaced = if line.contains(&bare[0]) {
                    line.replacen(&bare[0], &full[0], 1)
                } else {
                    line.replacen(&bare[1], &full[1], 1)
                };
                out.push(replaced);
            }
            _ => out.push((*line).to_owned()),
        }
    }
    out.join("\n") + if master.ends_with('\n') { "\n" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init_with(record: &[u8]) -> Vec<u8> {
        let mut bytes = b"....ftypiso6....moov....hvcC".to_vec();
        bytes.extend_from_slice(record);
        bytes
    }

    #[test]
    fn hevc_strings_follow_annex_e() {
        // Main 10, level 3.1, progressive and frame-only constraint flags (libx265's 720p).
        let main10 = init_with(&[1, 0x02, 0x20, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5d, 0xf0]);
        assert_eq!(hevc_codec_string(&main10, "hvc1").as_deref(), Some("hvc1.2.4.L93.90"));
        // Main, high tier level 5.1, Apple's own example constraint byte B0.
        let main = init_with(&[1, 0x21, 0x60, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 153, 0xf0]);
        assert_eq!(hevc_codec_string(&main, "hvc1").as_deref(), Some("hvc1.1.6.H153.B0"));
        // A profile space and no constraint flags at all.
        let spaced = init_with(&[1, 0x41, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 120, 0xf0]);
        assert_eq!(hevc_codec_string(&spaced, "hev1").as_deref(), Some("hev1.A1.6.L120"));
        assert_eq!(hevc_codec_string(b"no record here", "hvc1"), None);
        assert_eq!(hevc_codec_string(&init_with(&[1, 2, 3]), "hvc1"), None, "cut short");
    }

    #[test]
    fn playlists_get_the_string_of_their_own_rung() {
        let master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"hvc1,mp4a.40.2\",AUDIO=\"a\"\nmedia_0.m3u8\n\
                      #EXT-X-STREAM-INF:BANDWIDTH=2,CODECS=\"hvc1\"\nmedia_1.m3u8\n";
        let codecs = |id: usize| Some(format!("hvc1.1.6.L{}.90", 90 + id));
        let rewritten = set_hls_codecs(master, "hvc1", codecs);
        assert!(rewritten.contains("CODECS=\"hvc1.1.6.L90.90,mp4a.40.2\""), "{rewritten}");
        assert!(rewritten.contains("CODECS=\"hvc1.1.6.L91.90\"\nmedia_1.m3u8\n"), "{rewritten}");
        let manifest = "<MPD>\n <Representation id=\"0\" codecs=\"hvc1\" width=\"1\">\n <Representation id=\"10\" codecs=\"hvc1\">\n";
        let rewritten = set_dash_codecs(manifest, 0, "hvc1", "hvc1.2.4.L93.90");
        assert!(rewritten.contains("id=\"0\" codecs=\"hvc1.2.4.L93.90\""), "{rewritten}");
        assert!(rewritten.contains("id=\"10\" codecs=\"hvc1\""), "{rewritten}");
    }
}
