//! The domain core: procedures, forms, validation, dossier state, Vietnamese text handling.
//! It must not do IO, spawn threads, use async or know about Slint: every function here is a
//! pure function of its inputs, so all of it is unit-tested without a window, disk or clock.

pub mod address;
pub mod answer;
pub mod assist;
pub mod calendar_month;
pub mod catalogue;
pub mod chip_evidence;
pub mod citizen;
pub mod collation;
pub mod declaration;
pub mod dossier;
pub mod dossier_code;
pub mod field;
pub mod fix_request;
pub mod fold;
pub mod form;
pub mod health;
pub mod inactivity;
pub mod lunar_calendar;
pub mod office;
pub mod personal_id;
pub mod pin_hash;
pub mod procedure;
pub mod qr_picture;
pub mod rating;
pub mod receipt_content;
pub mod stored_dossier;
pub mod supplement_form;
pub mod sync_status;
pub mod telex;
#[cfg(test)]
pub mod test_procedure;
pub mod text;
pub mod time;
pub mod validation;
pub mod vietqr;
pub mod working_days;
