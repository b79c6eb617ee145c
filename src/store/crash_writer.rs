//! The child side of the power-cut test: submits dossiers (with a photo-sized attachment) one
//! after another and prints each code only after `submit` returned, until it is killed.
//! The parent kills it with SIGKILL at a random moment and checks that every printed code is
//! in the reopened database and that the file is intact.

use crate::core::answer::{Answer, AttachmentRef};
use crate::core::dossier::DossierDraft;
use crate::core::dossier_code::DossierCode;
use crate::core::personal_id::PersonalId;
use crate::store::{Store, StoredAttachment};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

pub fn write_until_killed(database: &Path, limit: Option<u64>) -> Result<(), String> {
    let mut store = Store::open(
        database,
        crate::sealing::Sealer::from_base64(crate::sealing::DEVELOPMENT_PUBLIC_KEY)
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let mut n: u64 = 0;
    while limit.is_none_or(|l| n < l) {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| e.to_string())?;
        let mut answers = BTreeMap::new();
        answers.insert(
            "applicant_name".to_string(),
            Answer::Text(format!("Nguyễn Văn {n}")),
        );
        let bytes = vec![(n % 251) as u8; 64 * 1024];
        let reference = AttachmentRef {
            sha256: format!("{n:064x}"),
            mime: "image/jpeg".into(),
            bytes: bytes.len(),
        };
        answers.insert("paper".to_string(), Answer::Attachment(reference.clone()));
        let draft = DossierDraft {
            id: uuid::Uuid::now_v7(),
            code: DossierCode::from_random(&random),
            procedure_id: "dang-ky-tam-tru".into(),
            procedure_version: 1,
            applicant_id: PersonalId::parse("001093047064").map_err(|e| e.to_string())?,
            answers,
            identity: None,
            assisted_by: None,
        };
        match store.submit(
            &draft,
            &[StoredAttachment { reference, bytes }],
            chrono::Utc::now(),
        ) {
            Ok(saved) => {
                writeln!(out, "{}", saved.code.as_str()).map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())?;
            }
            // Two random codes can collide; the dossier is simply made again.
            Err(crate::store::StoreError::Sqlite(e)) if e.to_string().contains("UNIQUE") => {
                continue;
            }
            Err(e) => return Err(e.to_string()),
        }
        n += 1;
    }
    Ok(())
}
