//! Common Encryption, scheme `cenc` (ISO/IEC 23001-7): AES-128 in counter mode over each
//! sample's protected bytes, an 8-byte IV per sample (the counter block is the IV and a 64-bit
//! block count). Video samples are split into subsamples: each NAL unit's length and header stay
//! in the clear, its payload is protected in whole 16-byte blocks; parameter sets and SEI stay
//! clear. Audio samples are protected whole.

use aes::cipher::{KeyIvInit, StreamCipher};

use crate::ProtectError;
use crate::boxes::{Found, child, children, make, make_full, read_u32, remake, write_u32};

type Aes128Ctr = ctr::Ctr64BE<aes::Aes128>;

/// The W3C common system id (`1077efec-c0b2-4d02-ace3-3c1e52e2fb4b`): the `pssh` that lists the
/// key ids, which ClearKey players read.
pub const CENC_SYSTEM_ID: [u8; 16] =
    [0x10, 0x77, 0xef, 0xec, 0xc0, 0xb2, 0x4d, 0x02, 0xac, 0xe3, 0x3c, 0x1e, 0x52, 0xe2, 0xfb, 0x4b];
/// Bytes of each sample's IV.
const IV_SIZE: u8 = 8;
/// Bytes before a visual sample entry's boxes (after its 8-byte header).
const VISUAL_ENTRY_FIELDS: usize = 78;

/// What a track's samples are, as far as encryption cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackCodec {
    /// H.264: NAL units prefixed by their length in `length_size` bytes.
    Avc { length_size: u8 },
    /// H.265: the same, with two-byte NAL headers.
    Hevc { length_size: u8 },
    /// Audio (AAC, AC-3, Opus, FLAC): samples protected whole.
    Audio,
}

/// The codec of an init segment's track (its first sample entry).
pub fn track_codec(init: &[u8]) -> Result<TrackCodec, ProtectError> {
    let entry = first_sample_entry(init)?;
    let fields_end = |fields: usize| entry.start + entry.header + fields;
    let boxed = |fields: usize| children(init, fields_end(fields), entry.end(), "a sample entry");
    let length_size = |config: Found, at: usize| -> Result<u8, ProtectError> {
        let byte = init
            .get(config.start + config.header + at)
            .ok_or_else(|| ProtectError::malformed("an init segment", "a codec configuration box is cut"))?;
        Ok((byte & 0x03) + 1)
    };
    match &entry.kind {
        b"avc1" | b"avc3" => {
            let config = child(&boxed(VISUAL_ENTRY_FIELDS)?, b"avcC")
                .ok_or_else(|| ProtectError::malformed("an init segment", "an avc1 entry without avcC"))?;
            Ok(TrackCodec::Avc { length_size: length_size(config, 4)? })
        }
        b"hvc1" | b"hev1" => {
            let config = child(&boxed(VISUAL_ENTRY_FIELDS)?, b"hvcC")
                .ok_or_else(|| ProtectError::malformed("an init segment", "an hvc1 entry without hvcC"))?;
            Ok(TrackCodec::Hevc { length_size: length_size(config, 21)? })
        }
        b"mp4a" | b"ac-3" | b"ec-3" | b"Opus" | b"fLaC" => Ok(TrackCodec::Audio),
        other => Err(ProtectError::Unsupported {
            what: "this track",
            reason: format!(
                "CENC is written here for H.264, HEVC and audio tracks; this one is {}",
                String::from_utf8_lossy(other)
            ),
        }),
    }
}

/// The init segment, protected: each sample entry renamed (`encv`, `enca`) and given a `sinf`
/// (original format, scheme `cenc` 1.0, `tenc` with the key id and 8-byte IVs), and a common
/// `pssh` listing the key id at the end of `moov`.
pub fn protect_init(init: &[u8], key_id: [u8; 16]) -> Result<Vec<u8>, ProtectError> {
    let mut out = Vec::with_capacity(init.len() + 128);
    for found in children(init, 0, init.len(), "an init segment")? {
        if &found.kind == b"moov" {
            let mut body = rebuilt(init, found, &key_id)?;
            body.extend(pssh(&key_id));
            out.extend(remake(found.kind, body));
        } else {
            out.extend_from_slice(&init[found.start..found.end()]);
        }
    }
    Ok(out)
}

/// The body of a container on the way to `stsd`, each child rebuilt when it leads there.
fn rebuilt(data: &[u8], container: Found, key_id: &[u8; 16]) -> Result<Vec<u8>, ProtectError> {
    let mut body = Vec::with_capacity(container.size + 64);
    for found in children(data, container.body().start, container.end(), "an init segment")? {
        match &found.kind {
            b"trak" | b"mdia" | b"minf" | b"stbl" => body.extend(remake(found.kind, rebuilt(data, found, key_id)?)),
            b"stsd" => body.extend(remake(found.kind, protected_stsd(data, found, key_id)?)),
            _ => body.extend_from_slice(&data[found.start..found.end()]),
        }
    }
    Ok(body)
}

fn protected_stsd(data: &[u8], stsd: Found, key_id: &[u8; 16]) -> Result<Vec<u8>, ProtectError> {
    let start = stsd.body().start;
    let entries_start = start + 8;
    if entries_start > stsd.end() {
        return Err(ProtectError::malformed("an init segment", "stsd is cut"));
    }
    let mut body = data[start..entries_start].to_vec();
    for entry in children(data, entries_start, stsd.end(), "an init segment")? {
        let protected_kind: [u8; 4] = match &entry.kind {
            b"avc1" | b"avc3" | b"hvc1" | b"hev1" => *b"encv",
            b"mp4a" | b"ac-3" | b"ec-3" | b"Opus" | b"fLaC" => *b"enca",
            other => {
                return Err(ProtectError::Unsupported {
                    what: "this track",
                    reason: format!("no CENC here for {} samples", String::from_utf8_lossy(other)),
                });
            }
        };
        let mut entry_body = data[entry.body()].to_vec();
        entry_body.extend(sinf(entry.kind, key_id));
        body.extend(remake(protected_kind, entry_body));
    }
    Ok(body)
}

fn sinf(original: [u8; 4], key_id: &[u8; 16]) -> Vec<u8> {
    let frma = make(b"frma", &original);
    let mut scheme = b"cenc".to_vec();
    scheme.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    let schm = make_full(b"schm", 0, 0, &scheme);
    let mut defaults = vec![0, 0, 1, IV_SIZE];
    defaults.extend_from_slice(key_id);
    let tenc = make_full(b"tenc", 0, 0, &defaults);
    let schi = make(b"schi", &tenc);
    make(b"sinf", &[frma, schm, schi].concat())
}

/// The W3C common `pssh` box (version 1) naming `key_id`: what ClearKey players start from.
pub fn common_pssh(key_id: &[u8; 16]) -> Vec<u8> {
    pssh(key_id)
}

fn pssh(key_id: &[u8; 16]) -> Vec<u8> {
    let mut body = CENC_SYSTEM_ID.to_vec();
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(key_id);
    body.extend_from_slice(&0u32.to_be_bytes());
    make_full(b"pssh", 1, 0, &body)
}

fn first_sample_entry(init: &[u8]) -> Result<Found, ProtectError> {
    let mut scope = children(init, 0, init.len(), "an init segment")?;
    for kind in [b"moov", b"trak", b"mdia", b"minf", b"stbl"] {
        let found = child(&scope, kind).ok_or_else(|| {
            ProtectError::malformed("an init segment", format!("no {} box", String::from_utf8_lossy(kind)))
        })?;
        scope = children(init, found.body().start, found.end(), "an init segment")?;
    }
    let stsd = child(&scope, b"stsd").ok_or_else(|| ProtectError::malformed("an init segment", "no stsd box"))?;
    children(init, stsd.body().start + 8, stsd.end(), "an init segment")?
        .first()
        .copied()
        .ok_or_else(|| ProtectError::malformed("an init segment", "stsd holds no sample entry"))
}

/// A media segment (`styp`, `sidx`, then `moof` and `mdat` pairs), protected with `key`: every
/// sample of every fragment encrypted in place, each `traf` given `senc`, `saiz` and `saio`, its
/// `trun` data offset and the `sidx` sizes moved by what was added. The IVs count up from
/// `iv_seed` (give each segment a random one: an IV must never repeat under a key).
pub fn encrypt_fragment(
    segment: &[u8],
    codec: TrackCodec,
    key: &[u8; 16],
    iv_seed: u64,
) -> Result<Vec<u8>, ProtectError> {
    let top = children(segment, 0, segment.len(), "a media segment")?;
    let mut data = segment.to_vec();
    let mut moofs: Vec<(Found, Vec<u8>)> = Vec::new();
    let mut next_iv = iv_seed;
    for moof in top.iter().filter(|found| &found.kind == b"moof") {
        let rebuilt = protect_moof(&mut data, *moof, codec, key, &mut next_iv)?;
        moofs.push((*moof, rebuilt));
    }
    if moofs.is_empty() {
        return Err(ProtectError::malformed("a media segment", "no moof box"));
    }
    let grown = |start: usize, end: usize| -> usize {
        moofs
            .iter()
            .filter(|(moof, _)| moof.start >= start && moof.start < end)
            .map(|(moof, rebuilt)| rebuilt.len() - moof.size)
            .sum()
    };
    let mut out = Vec::with_capacity(segment.len() + 4096);
    for found in &top {
        match moofs.iter().find(|(moof, _)| moof.start == found.start) {
            Some((_, rebuilt)) => out.extend_from_slice(rebuilt),
            None if &found.kind == b"sidx" => {
                let mut sidx = data[found.start..found.end()].to_vec();
                resize_references(&mut sidx, found.start, found.header, &grown)?;
                out.extend(sidx);
            }
            None => out.extend_from_slice(&data[found.start..found.end()]),
        }
    }
    Ok(out)
}

/// The `moof` rebuilt with its samples' encryption data; its samples (in `data`) encrypted.
fn protect_moof(
    data: &mut [u8],
    moof: Found,
    codec: TrackCodec,
    key: &[u8; 16],
    next_iv: &mut u64,
) -> Result<Vec<u8>, ProtectError> {
    let parts = children(data, moof.body().start, moof.end(), "a moof box")?;
    if parts.iter().filter(|found| &found.kind == b"traf").count() != 1 {
        return Err(ProtectError::Unsupported {
            what: "a fragment",
            reason: "one track per fragment is expected".into(),
        });
    }
    let mut body = Vec::with_capacity(moof.size + 2048);
    for part in parts {
        if &part.kind != b"traf" {
            body.extend_from_slice(&data[part.start..part.end()]);
            continue;
        }
        let pieces = children(data, part.body().start, part.end(), "a traf box")?;
        let tfhd = child(&pieces, b"tfhd").ok_or_else(|| ProtectError::malformed("a fragment", "no tfhd"))?;
        if pieces.iter().filter(|found| &found.kind == b"trun").count() != 1 {
            return Err(ProtectError::Unsupported {
                what: "a fragment",
                reason: "one trun per track is expected".into(),
            });
        }
        let trun = child(&pieces, b"trun").ok_or_else(|| ProtectError::malformed("a fragment", "no trun"))?;
        if pieces.iter().any(|found| matches!(&found.kind, b"senc" | b"saiz" | b"saio")) {
            return Err(ProtectError::Unsupported { what: "a fragment", reason: "it is encrypted already".into() });
        }
        let runs = sample_run(data, tfhd, trun)?;
        // Encrypt each sample where it lies; note its IV and subsamples.
        let mut infos: Vec<(u64, Vec<(u16, u32)>)> = Vec::with_capacity(runs.sizes.len());
        let mut at = moof
            .start
            .checked_add_signed(runs.data_offset as isize)
            .ok_or_else(|| ProtectError::malformed("a fragment", "its data offset points before the file"))?;
        for &size in &runs.sizes {
            let end = at
                .checked_add(size as usize)
                .filter(|&end| end <= data.len())
                .ok_or_else(|| ProtectError::malformed("a fragment", "a sample lies beyond the end of the segment"))?;
            let sample = &mut data[at..end];
            let subsamples = match codec {
                TrackCodec::Avc { length_size } => {
                    nal_subsamples(sample, length_size, 1, |header| (1..=5).contains(&(header[0] & 0x1f)))?
                }
                TrackCodec::Hevc { length_size } => {
                    nal_subsamples(sample, length_size, 2, |header| (header[0] >> 1) & 0x3f < 32)?
                }
                TrackCodec::Audio => Vec::new(),
            };
            let iv = *next_iv;
            *next_iv = next_iv.wrapping_add(1);
            encrypt_sample(sample, &subsamples, key, iv);
            infos.push((iv, subsamples));
            at = end;
        }
        let with_subsamples = codec != TrackCodec::Audio;
        let senc_body = senc(&infos, with_subsamples);
        let sizes: Vec<u8> = infos
            .iter()
            .map(|(_, subsamples)| {
                let size = usize::from(IV_SIZE) + if with_subsamples { 2 + 6 * subsamples.len() } else { 0 };
                u8::try_from(size).unwrap_or(u8::MAX)
            })
            .collect();
        let uniform = sizes.windows(2).all(|pair| pair[0] == pair[1]) && !sizes.is_empty();
        let mut saiz_body = Vec::with_capacity(5 + sizes.len());
        saiz_body.push(if uniform { sizes[0] } else { 0 });
        saiz_body.extend_from_slice(&(sizes.len() as u32).to_be_bytes());
        if !uniform {
            saiz_body.extend_from_slice(&sizes);
        }
        if sizes.contains(&u8::MAX) {
            return Err(ProtectError::Unsupported {
                what: "a sample",
                reason: "too many NAL units in one sample".into(),
            });
        }
        let saiz = make_full(b"saiz", 0, 0, &saiz_body);
        let saio_len = 8 + 4 + 4 + 4;
        let added = senc_body.len() + saiz.len() + saio_len;
        // Where the first IV will be, from the moof's start: what saio says.
        let traf_children: usize = pieces.iter().map(|found| found.size).sum();
        let first_iv = 8 + body.len() + 8 + traf_children + 8 + 4 + 4;
        let mut saio_body = 1u32.to_be_bytes().to_vec();
        saio_body.extend_from_slice(&(first_iv as u32).to_be_bytes());
        let saio = make_full(b"saio", 0, 0, &saio_body);
        let mut traf_body = Vec::with_capacity(traf_children + added);
        for piece in &pieces {
            let mut bytes = data[piece.start..piece.end()].to_vec();
            if piece.start == trun.start {
                let offset_at = trun.header + 8;
                let moved = i64::from(runs.data_offset) + added as i64;
                let moved = i32::try_from(moved)
                    .map_err(|_| ProtectError::malformed("a fragment", "its data offset overflows"))?;
                write_u32(&mut bytes, offset_at, moved as u32);
            }
            traf_body.extend(bytes);
        }
        traf_body.extend(senc_body);
        traf_body.extend(saiz);
        traf_body.extend(saio);
        body.extend(remake(part.kind, traf_body));
    }
    Ok(remake(moof.kind, body))
}

fn senc(infos: &[(u64, Vec<(u16, u32)>)], with_subsamples: bool) -> Vec<u8> {
    let mut body = (infos.len() as u32).to_be_bytes().to_vec();
    for (iv, subsamples) in infos {
        body.extend_from_slice(&iv.to_be_bytes());
        if with_subsamples {
            body.extend_from_slice(&(subsamples.len() as u16).to_be_bytes());
            for (clear, protected) in subsamples {
                body.extend_from_slice(&clear.to_be_bytes());
                body.extend_from_slice(&protected.to_be_bytes());
            }
        }
    }
    make_full(b"senc", 0, if with_subsamples { 0x2 } else { 0 }, &body)
}

/// A track run's data offset and sample sizes.
struct SampleRun {
    data_offset: i32,
    sizes: Vec<u32>,
}

fn sample_run(data: &[u8], tfhd: Found, trun: Found) -> Result<SampleRun, ProtectError> {
    let tfhd_flags = read_u32(data, tfhd.body().start)? & 0x00ff_ffff;
    if tfhd_flags & 0x1 != 0 {
        return Err(ProtectError::Unsupported { what: "a fragment", reason: "an explicit base data offset".into() });
    }
    let mut at = tfhd.body().start + 8;
    if tfhd_flags & 0x2 != 0 {
        at += 4;
    }
    if tfhd_flags & 0x8 != 0 {
        at += 4;
    }
    let default_size = if tfhd_flags & 0x10 != 0 { Some(read_u32(data, at)?) } else { None };
    let trun_flags = read_u32(data, trun.body().start)? & 0x00ff_ffff;
    let count = read_u32(data, trun.body().start + 4)? as usize;
    if trun_flags & 0x1 == 0 {
        return Err(ProtectError::Unsupported { what: "a fragment", reason: "a trun without a data offset".into() });
    }
    let data_offset = read_u32(data, trun.body().start + 8)? as i32;
    let mut at = trun.body().start + 12;
    if trun_flags & 0x4 != 0 {
        at += 4;
    }
    let per_sample = [0x100, 0x200, 0x400, 0x800].iter().filter(|&&flag| trun_flags & flag != 0).count() * 4;
    if count.saturating_mul(per_sample) > trun.end().saturating_sub(at) {
        return Err(ProtectError::malformed("a fragment", "its trun lists more samples than it holds"));
    }
    let mut sizes = Vec::with_capacity(count);
    for _ in 0..count {
        let mut field = at;
        if trun_flags & 0x100 != 0 {
            field += 4;
        }
        let size = if trun_flags & 0x200 != 0 {
            read_u32(data, field)?
        } else {
            default_size.ok_or_else(|| ProtectError::Unsupported {
                what: "a fragment",
                reason: "sample sizes given only in trex".into(),
            })?
        };
        sizes.push(size);
        at += per_sample;
    }
    Ok(SampleRun { data_offset, sizes })
}

/// The subsamples of a sample of length-prefixed NAL units: (clear bytes, protected bytes).
fn nal_subsamples(
    sample: &[u8],
    length_size: u8,
    header_size: usize,
    is_slice: impl Fn(&[u8]) -> bool,
) -> Result<Vec<(u16, u32)>, ProtectError> {
    let length_size = usize::from(length_size);
    let mut subsamples = Vec::new();
    let mut clear = 0usize;
    let mut at = 0usize;
    while at < sample.len() {
        let Some(prefix) = sample.get(at..at + length_size) else {
            return Err(ProtectError::malformed("a video sample", "a NAL length is cut"));
        };
        let length = prefix.iter().fold(0usize, |value, &byte| value << 8 | usize::from(byte));
        let total = length_size + length;
        let Some(unit) = sample.get(at + length_size..at + total) else {
            return Err(ProtectError::malformed("a video sample", "a NAL unit runs past the sample"));
        };
        let payload = length.saturating_sub(header_size);
        let protected = payload - payload % 16;
        if unit.len() >= header_size && is_slice(unit) && protected > 0 {
            clear += total - protected;
            while clear > usize::from(u16::MAX) {
                subsamples.push((u16::MAX, 0));
                clear -= usize::from(u16::MAX);
            }
            subsamples.push((clear as u16, protected as u32));
            clear = 0;
        } else {
            clear += total;
        }
        at += total;
    }
    while clear > 0 {
        let part = clear.min(usize::from(u16::MAX));
        subsamples.push((part as u16, 0));
        clear -= part;
    }
    Ok(subsamples)
}

/// Encrypts (or decrypts: the same) a sample's protected bytes with AES-CTR from `iv`.
fn encrypt_sample(sample: &mut [u8], subsamples: &[(u16, u32)], key: &[u8; 16], iv: u64) {
    let mut counter = [0u8; 16];
    counter[..8].copy_from_slice(&iv.to_be_bytes());
    let mut cipher = Aes128Ctr::new(key.into(), &counter.into());
    if subsamples.is_empty() {
        cipher.apply_keystream(sample);
        return;
    }
    let mut at = 0usize;
    for &(clear, protected) in subsamples {
        at += usize::from(clear);
        let end = at + protected as usize;
        cipher.apply_keystream(&mut sample[at..end]);
        at = end;
    }
}

/// Adds to each `sidx` reference the bytes the fragments it covers grew by. `position` is the
/// sidx's offset in the segment, `header` its header length.
fn resize_references(
    sidx: &mut [u8],
    position: usize,
    header: usize,
    grown: &dyn Fn(usize, usize) -> usize,
) -> Result<(), ProtectError> {
    let version = sidx.get(header).copied().ok_or_else(|| ProtectError::malformed("a sidx box", "cut"))?;
    let mut at = header + 4 + 4 + 4;
    let first_offset = if version == 0 {
        let offset = read_u32(sidx, at + 4)? as usize;
        at += 8;
        offset
    } else {
        let offset = crate::boxes::read_u64(sidx, at + 8)? as usize;
        at += 16;
        offset
    };
    let count = usize::from(u16::from_be_bytes([
        *sidx.get(at + 2).ok_or_else(|| ProtectError::malformed("a sidx box", "cut"))?,
        *sidx.get(at + 3).ok_or_else(|| ProtectError::malformed("a sidx box", "cut"))?,
    ]));
    at += 4;
    let mut covered = position + sidx.len() + first_offset;
    for _ in 0..count {
        let word = read_u32(sidx, at)?;
        let (kind, size) = (word & 0x8000_0000, (word & 0x7fff_ffff) as usize);
        if kind == 0 {
            let more = grown(covered, covered + size);
            let resized = u32::try_from(size + more)
                .ok()
                .filter(|&resized| resized <= 0x7fff_ffff)
                .ok_or_else(|| ProtectError::malformed("a sidx box", "a reference grows past 2 GiB"))?;
            write_u32(sidx, at, kind | resized);
        }
        covered += size;
        at += 12;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_keep_their_length_and_header_clear_and_are_protected_in_whole_blocks() {
        // An SPS (type 7, 10 bytes), then a slice (type 5) of 1 + 40 bytes, with 4-byte lengths.
        let mut sample = vec![0, 0, 0, 10, 0x67];
        sample.extend([1u8; 9]);
        sample.extend([0, 0, 0, 41, 0x65]);
        sample.extend([2u8; 40]);
        let subsamples = nal_subsamples(&sample, 4, 1, |header| (1..=5).contains(&(header[0] & 0x1f))).unwrap();
        // Clear: the SPS whole (14), the slice's length and header (5) and 8 bytes; protected: 32.
        assert_eq!(subsamples, vec![(14 + 5 + 8, 32)]);
        let total: usize = subsamples.iter().map(|(clear, protected)| usize::from(*clear) + *protected as usize).sum();
        assert_eq!(total, sample.len());
        let clear_copy = sample.clone();
        encrypt_sample(&mut sample, &subsamples, &[7; 16], 42);
        assert_eq!(sample[..27], clear_copy[..27], "the clear bytes stay");
        assert_ne!(sample[27..], clear_copy[27..]);
        encrypt_sample(&mut sample, &subsamples, &[7; 16], 42);
        assert_eq!(sample, clear_copy, "counter mode: the same operation decrypts");
    }

    #[test]
    fn a_nal_unit_running_past_its_sample_is_an_error_not_a_panic() {
        let sample = [0, 0, 0, 200, 0x65, 1, 2, 3];
        assert!(nal_subsamples(&sample, 4, 1, |_| true).is_err());
        assert!(nal_subsamples(&[0, 0], 4, 1, |_| true).is_err());
        assert!(encrypt_fragment(&[0, 0, 0, 9, b'm', b'o', b'o', b'f'], TrackCodec::Audio, &[0; 16], 0).is_err());
        assert!(protect_init(&[0, 0, 0, 200, b'm', b'o', b'o', b'v'], [0; 16]).is_err());
    }
}
