//! APDU decoding and secure-messaging unwrapping (both sides) on arbitrary bytes, as a hostile
//! card or reader would send them. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xakiosk::devices::card_reader::{CardReader, SimCardReader};
use xakiosk::identity::access_key::BacKeys;
use xakiosk::identity::apdu::{Command, Response};
use xakiosk::identity::secure_messaging::SecureChannel;

fuzz_target!(|data: &[u8]| {
    let mut sm = SecureChannel::new(BacKeys::from_seed(&[7; 16]), 1);
    if let Some(response) = Response::parse(data) {
        let _ = sm.unprotect(&response);
    }
    if let Some(command) = Command::parse(data) {
        let _ = sm.unprotect_command(&command);
    }
    // A chip simulator answering whatever arrives.
    let mut reader = SimCardReader::new();
    let _ = reader.transmit(data);
});
