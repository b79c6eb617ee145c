//! Every parser of chip files on arbitrary bytes: TLV, EF.COM, DG1, DG2 (and JPEG decoding),
//! DG13, EF.SOD and passive authentication. Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use xakiosk::identity::trust_list::TrustList;
use xakiosk::identity::{dg1_mrz, dg2_face, dg13, ef_com, passive_auth, sod, tlv};

fuzz_target!(|data: &[u8]| {
    let _ = tlv::children(data);
    let _ = tlv::total_length(data);
    let _ = ef_com::parse(data);
    let _ = dg1_mrz::parse(data);
    let _ = dg13::parse(data);
    if let Ok(face) = dg2_face::parse(data) {
        let _ = dg2_face::decode(&face);
    }
    let _ = sod::parse(data);
    let mut groups = BTreeMap::new();
    groups.insert(1u8, data.to_vec());
    let _ = passive_auth::check(data, &groups, &TrustList::empty());
});
