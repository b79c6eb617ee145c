//! The CCCD QR text and MRZ parsers on arbitrary text. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xakiosk::identity::{cccd_qr, dg1_mrz};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = cccd_qr::parse(&text);
    let _ = dg1_mrz::parse_mrz(&text);
});
