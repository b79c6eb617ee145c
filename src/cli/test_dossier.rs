//! A made-up dossier stored the way the kiosk stores one — the configuration layers, the
//! provisioned sealing key, the signed receipt — for trying a provisioned appliance end to end
//! (`kiosk-image/field-test` queues one, reboots the image and waits for it at the portal). Its
//! applicant is named as a test so an officer can tell it from a resident's. Hidden from the
//! command's help: it is a test tool, never part of a resident's journey.

use crate::config::layers::Effective;
use crate::core::answer::Answer;
use crate::core::dossier::DossierDraft;
use crate::core::dossier_code::DossierCode;
use crate::core::personal_id::PersonalId;

/// A made-up draft for `procedure`: a fresh id and code, the applicant's name as given, a
/// fictitious personal ID (also used by the tests and the power-cut probe).
pub fn made_up(procedure: &str, version: u32, applicant_name: &str) -> DossierDraft {
    let mut random = [0u8; 8];
    let _ = getrandom::fill(&mut random);
    let mut answers = std::collections::BTreeMap::new();
    answers.insert(
        "applicant_name".to_string(),
        Answer::Text(applicant_name.to_string()),
    );
    DossierDraft {
        id: uuid::Uuid::now_v7(),
        code: DossierCode::from_random(&random),
        procedure_id: procedure.to_string(),
        procedure_version: version,
        applicant_id: PersonalId::parse("001093047064").expect("a valid fictitious ID"),
        answers,
        identity: None,
        assisted_by: None,
        supplements: None,
        office_commune: None,
        declaration: None,
    }
}

/// Stores one test dossier; its code.
pub fn queue(effective: &Effective) -> Result<String, String> {
    if let Some(fault) = &effective.fault {
        return Err(format!("{fault}: no test dossier"));
    }
    let startup = crate::app::startup::Startup::prepare(&effective.config, None)?;
    if let Some(why) = &startup.not_set_up {
        return Err(format!("this kiosk takes no dossier: {why}"));
    }
    let procedure = startup
        .catalogue
        .procedures()
        .first()
        .ok_or("no procedure in the catalogue")?
        .clone();
    let draft = made_up(
        &procedure.id,
        procedure.version,
        "KIỂM THỬ MÁY — TEST DOSSIER",
    );
    let saved = startup
        .store
        .call_blocking(move |s| s.submit(&draft, &[], chrono::Utc::now()))
        .map_err(|e| e.to_string())?;
    Ok(saved.code.as_str().to_string())
}
