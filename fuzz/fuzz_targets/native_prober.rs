//! Any bytes given to the native prober, as a file of their own length: it must never panic, loop
//! or allocate from a header's length field, whatever the format its first bytes claim.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut file = std::io::Cursor::new(data);
    let _ = regie_media::probe_native(&mut file, data.len() as u64);
});
