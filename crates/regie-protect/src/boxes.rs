//! ISO BMFF boxes: read with every size checked against what holds it, written with their size.

use crate::ProtectError;

/// A box found in a byte range: where it starts, its header length, its whole size, its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    pub start: usize,
    pub header: usize,
    pub size: usize,
    pub kind: [u8; 4],
}

impl Found {
    pub fn end(&self) -> usize {
        self.start + self.size
    }
    pub fn body(&self) -> std::ops::Range<usize> {
        self.start + self.header..self.end()
    }
}

/// The boxes one after another in `data[start..end]`.
pub(crate) fn children(data: &[u8], start: usize, end: usize, what: &'static str) -> Result<Vec<Found>, ProtectError> {
    let mut found = Vec::new();
    let mut at = start;
    while at < end {
        if end - at < 8 {
            return Err(ProtectError::malformed(what, format!("{} stray bytes at {at}", end - at)));
        }
        let size32 = read_u32(data, at)? as usize;
        let kind = [data[at + 4], data[at + 5], data[at + 6], data[at + 7]];
        let (header, size) = match size32 {
            0 => (8, end - at),
            1 => {
                let large = read_u64(data, at + 8)?;
                (16, usize::try_from(large).map_err(|_| ProtectError::malformed(what, "a box larger than memory"))?)
            }
            size => (8, size),
        };
        if size < header || size > end - at {
            return Err(ProtectError::malformed(
                what,
                format!("box {} at {at} claims {size} bytes, {} remain", String::from_utf8_lossy(&kind), end - at),
            ));
        }
        found.push(Found { start: at, header, size, kind });
        at += size;
    }
    Ok(found)
}

/// The first child of type `kind`.
pub(crate) fn child(boxes: &[Found], kind: &[u8; 4]) -> Option<Found> {
    boxes.iter().copied().find(|found| &found.kind == kind)
}

pub(crate) fn read_u32(data: &[u8], at: usize) -> Result<u32, ProtectError> {
    let bytes = data.get(at..at + 4).ok_or_else(|| ProtectError::malformed("a box", format!("cut at {at}")))?;
    Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

pub(crate) fn read_u64(data: &[u8], at: usize) -> Result<u64, ProtectError> {
    let bytes = data.get(at..at + 8).ok_or_else(|| ProtectError::malformed("a box", format!("cut at {at}")))?;
    let mut array = [0u8; 8];
    array.copy_from_slice(bytes);
    Ok(u64::from_be_bytes(array))
}

pub(crate) fn write_u32(data: &mut [u8], at: usize, value: u32) {
    data[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

/// A box of `kind` holding `body`.
pub(crate) fn make(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// A full box (version and flags) of `kind` holding `body`.
pub(crate) fn make_full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(body.len() + 4);
    full.extend_from_slice(&(u32::from(version) << 24 | (flags & 0x00ff_ffff)).to_be_bytes());
    full.extend_from_slice(body);
    make(kind, &full)
}

/// `header`'s box again with a new body (an 8-byte header: sizes here stay far below 4 GiB).
pub(crate) fn remake(kind: [u8; 4], body: Vec<u8>) -> Vec<u8> {
    make(&kind, &body)
}
