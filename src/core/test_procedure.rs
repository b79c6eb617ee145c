//! One small procedure for the tests of what runs a form (the session's steps, the
//! controller): id "p", a fee-free certificate whose first question is the applicant's personal
//! ID, with any further questions a test needs. Tests only.

use crate::core::catalogue::Catalogue;

const HEADER: &str = r#"
id = "p"
version = 1
name = { vi = "Xác nhận", en = "Certificate" }
summary = { vi = "", en = "" }
authority = { vi = "UBND", en = "PC" }
fee = { amount_vnd = 0 }
processing = { working_days = 3 }

[[fields]]
id = "id"
label = { vi = "Số định danh", en = "Personal ID" }
kind = "personal_id"
role = "applicant_id"
"#;

/// The catalogue of procedure "p" with `more_fields` (TOML `[[fields]]` tables) after its
/// personal-ID question; a procedure the catalogue refuses fails the test.
pub fn catalogue_with(more_fields: &str) -> Catalogue {
    let source = format!("{HEADER}\n{more_fields}");
    let (catalogue, problems) = Catalogue::from_sources([("p.toml", source.as_str())]);
    assert!(problems.is_empty(), "{problems:?}");
    catalogue
}
