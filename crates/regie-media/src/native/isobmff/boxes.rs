//! ISO base media boxes read one header at a time: a box's size is checked against its parent's
//! end before anything is read, bodies are read only when small, and a parent's children are
//! walked by seeking, at most [`MOST_BOXES`] of them.

use std::io::{Read, Seek, SeekFrom};

use super::super::read_exact_or_short;

/// Children of one box (or top-level boxes of a file) looked at before giving up.
pub(super) const MOST_BOXES: usize = 4096;
/// Top-level boxes walked in a fragmented file (a `moof` and an `mdat` per fragment).
pub(super) const MOST_TOP_LEVEL_BOXES: usize = 200_000;

/// One box: its four-character type and where its body lies in the file.
#[derive(Debug, Clone, Copy)]
pub(super) struct BoxHeader {
    pub kind: [u8; 4],
    pub body_start: u64,
    pub end: u64,
}

impl BoxHeader {
    pub fn body_length(&self) -> u64 {
        self.end - self.body_start
    }
}

/// Why a walk stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Broken {
    /// A box claims more bytes than its parent (or the file) holds.
    Overrun,
    /// The file ends inside a box header.
    Cut,
    /// More boxes than any real file has.
    TooMany,
}

/// Reads the header of the box at `position`, which must end by `limit`.
pub(super) fn header_at<F: Read + Seek>(file: &mut F, position: u64, limit: u64) -> Result<BoxHeader, Broken> {
    let mut header = [0u8; 16];
    if position.checked_add(8).is_none_or(|end| end > limit) || file.seek(SeekFrom::Start(position)).is_err() {
        return Err(Broken::Cut);
    }
    if read_exact_or_short(file, &mut header[..8]) < 8 {
        return Err(Broken::Cut);
    }
    let kind = [header[4], header[5], header[6], header[7]];
    let (length, header_length) = match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
        0 => (limit - position, 8),
        1 => {
            if position + 16 > limit || read_exact_or_short(file, &mut header[8..16]) < 8 {
                return Err(Broken::Cut);
            }
            (u64::from_be_bytes(header[8..16].try_into().expect("8 bytes")), 16)
        }
        length => (u64::from(length), 8),
    };
    if length < header_length {
        return Err(Broken::Overrun);
    }
    let end = position.checked_add(length).ok_or(Broken::Overrun)?;
    if end > limit {
        return Err(Broken::Overrun);
    }
    Ok(BoxHeader { kind, body_start: position + header_length, end })
}

/// The children of the box body from `start` to `end`, each handed to `visit`; `visit` answers
/// `false` to stop the walk.
pub(super) fn walk<F: Read + Seek>(
    file: &mut F,
    start: u64,
    end: u64,
    most: usize,
    mut visit: impl FnMut(&mut F, BoxHeader) -> Result<bool, Broken>,
) -> Result<(), Broken> {
    let mut position = start;
    for _ in 0..most {
        if position == end {
            return Ok(());
        }
        // A few bytes of padding at the end of a parent are tolerated, as FFmpeg does.
        if end - position < 8 {
            return Ok(());
        }
        let header = header_at(file, position, end)?;
        if !visit(file, header)? {
            return Ok(());
        }
        position = header.end;
    }
    if position == end { Ok(()) } else { Err(Broken::TooMany) }
}

/// The body of a box, when it is at most `most` bytes long.
pub(super) fn body<F: Read + Seek>(file: &mut F, header: &BoxHeader, most: u64) -> Option<Vec<u8>> {
    if header.body_length() > most || file.seek(SeekFrom::Start(header.body_start)).is_err() {
        return None;
    }
    let mut buffer = vec![0u8; header.body_length() as usize];
    (read_exact_or_short(file, &mut buffer) == buffer.len()).then_some(buffer)
}

/// Big-endian reads from a box body that answer `None` past its end.
pub(super) struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    pub fn skip(&mut self, count: usize) -> Option<()> {
        let end = self.at.checked_add(count)?;
        (end <= self.bytes.len()).then(|| self.at = end)
    }

    pub fn take(&mut self, count: usize) -> Option<&'a [u8]> {
        let start = self.at;
        self.skip(count)?;
        Some(&self.bytes[start..self.at])
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|bytes| bytes[0])
    }

    pub fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|bytes| u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|bytes| u32::from_be_bytes(bytes.try_into().expect("4 bytes")))
    }

    pub fn i32(&mut self) -> Option<i32> {
        self.u32().map(|value| value as i32)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|bytes| u64::from_be_bytes(bytes.try_into().expect("8 bytes")))
    }

    pub fn kind(&mut self) -> Option<[u8; 4]> {
        self.take(4).map(|bytes| bytes.try_into().expect("4 bytes"))
    }

    pub fn rest(&self) -> &'a [u8] {
        &self.bytes[self.at..]
    }
}
