//! What the manifests say of a protected package: the DASH MPD's `ContentProtection` (the CENC
//! key id, ClearKey with its licence URL), and HLS's `SAMPLE-AES-CTR` key tag for the same CENC
//! segments.

use base64::Engine;

use crate::ProtectError;

/// The key id as a UUID (`cenc:default_KID`).
pub fn key_id_uuid(key_id: &[u8; 16]) -> String {
    let hex = hex::encode(key_id);
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// The MPD with CENC signalled in every adaptation set: `mp4protection` with the key id, and
/// ClearKey (DASH-IF and W3C system ids) with the key id and the licence server `license_url`.
/// No `cenc:pssh` here: dash.js hands a ClearKey `pssh` to the browser as `keyids`, which
/// refuses it; the init segment's `pssh` is what starts the browser's key request.
pub fn protect_dash_manifest(mpd: &str, key_id: &[u8; 16], license_url: &str) -> Result<String, ProtectError> {
    let root = mpd.find("<MPD").ok_or_else(|| ProtectError::malformed("the DASH manifest", "no MPD element"))?;
    let mut out = String::with_capacity(mpd.len() + 1024);
    out.push_str(&mpd[..root + 4]);
    out.push_str(" xmlns:cenc=\"urn:mpeg:cenc:2013\" xmlns:dashif=\"https://dashif.org/CPS\"");
    let uuid = key_id_uuid(key_id);
    let license = escape_xml(license_url);
    let protection = format!(
        "\n\t\t\t<ContentProtection schemeIdUri=\"urn:mpeg:dash:mp4protection:2011\" value=\"cenc\" cenc:default_KID=\"{uuid}\"/>\
         \n\t\t\t<ContentProtection schemeIdUri=\"urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e\" value=\"ClearKey1.0\" \
         cenc:default_KID=\"{uuid}\"><dashif:Laurl>{license}</dashif:Laurl></ContentProtection>\
         \n\t\t\t<ContentProtection schemeIdUri=\"urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b\" value=\"ClearKey1.0\" \
         cenc:default_KID=\"{uuid}\"><dashif:Laurl>{license}</dashif:Laurl></ContentProtection>"
    );
    let mut rest = &mpd[root + 4..];
    let mut sets = 0;
    while let Some(found) = rest.find("<AdaptationSet") {
        let close = rest[found..]
            .find('>')
            .ok_or_else(|| ProtectError::malformed("the DASH manifest", "an AdaptationSet tag is not closed"))?;
        let end = found + close + 1;
        if rest[..end].ends_with("/>") {
            return Err(ProtectError::malformed("the DASH manifest", "an empty AdaptationSet"));
        }
        out.push_str(&rest[..end]);
        out.push_str(&protection);
        rest = &rest[end..];
        sets += 1;
    }
    if sets == 0 {
        return Err(ProtectError::malformed("the DASH manifest", "no AdaptationSet"));
    }
    out.push_str(rest);
    Ok(out)
}

/// A media playlist of CENC segments with its key tag (`SAMPLE-AES-CTR`, ClearKey, the common
/// `pssh` as a data URI, the key id) before `EXT-X-MAP`.
pub fn sample_aes_ctr_playlist(playlist: &str, key_id: &[u8; 16]) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(crate::cenc::common_pssh(key_id));
    let tag = format!(
        "#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT=\"org.w3.clearkey\",KEYFORMATVERSIONS=\"1\",\
         URI=\"data:text/plain;base64,{data}\",KEYID=0x{}",
        hex::encode(key_id)
    );
    crate::hls_aes::with_key_tag(playlist, &tag, true)
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_adaptation_set_names_the_key_and_clear_key() {
        let mpd = "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" type=\"static\">\n<Period>\n\
            <AdaptationSet id=\"0\" contentType=\"video\">\n<Representation id=\"0\"/>\n</AdaptationSet>\n\
            <AdaptationSet id=\"1\" contentType=\"audio\">\n<Representation id=\"1\"/>\n</AdaptationSet>\n</Period>\n</MPD>\n";
        let key_id = [0xab; 16];
        let protected = protect_dash_manifest(mpd, &key_id, "/api/v1/keys/ab?x=1&y=2").unwrap();
        assert_eq!(protected.matches("cenc:default_KID=\"abababab-abab-abab-abab-abababababab\"").count(), 6);
        assert_eq!(protected.matches("value=\"ClearKey1.0\"").count(), 4);
        assert!(protected.contains("<dashif:Laurl>/api/v1/keys/ab?x=1&amp;y=2</dashif:Laurl>"));
        assert!(protected.starts_with("<?xml version=\"1.0\"?>\n<MPD xmlns:cenc=\"urn:mpeg:cenc:2013\""));
        assert!(protect_dash_manifest("<MPD></MPD>", &key_id, "/k").is_err());
    }

    #[test]
    fn the_hls_key_tag_comes_before_the_init_segment() {
        let playlist = "#EXTM3U\n#EXT-X-MAP:URI=\"init-0.m4s\"\n#EXTINF:2.0,\nchunk-0-00001.m4s\n";
        let tagged = sample_aes_ctr_playlist(playlist, &[1; 16]);
        let lines: Vec<&str> = tagged.lines().collect();
        assert!(lines[1].starts_with("#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT=\"org.w3.clearkey\""), "{tagged}");
        assert!(lines[1].ends_with(",KEYID=0x01010101010101010101010101010101"));
        assert!(lines[2].starts_with("#EXT-X-MAP"));
    }
}
