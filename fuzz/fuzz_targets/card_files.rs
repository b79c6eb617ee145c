//! Every parser of chip files on arbitrary bytes: TLV, EF.CardAccess, EF.COM, DG1, DG2 (and
//! JPEG decoding), DG13, DG14, DG15, EF.SOD, passive authentication and CSCA master lists.
//! Must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use xakiosk::identity::trust_list::TrustList;
use xakiosk::identity::{
    card_access, dg1_mrz, dg2_face, dg13, dg14, dg15, ef_com, master_list, passive_auth, sod, tlv,
};

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
    let _ = card_access::parse(data);
    let _ = dg14::parse(data);
    let _ = dg15::parse(data);
    let _ = master_list::open(data, &[]);
    let mut groups = BTreeMap::new();
    groups.insert(1u8, data.to_vec());
    let _ = passive_auth::check(data, &groups, &TrustList::empty());
});
