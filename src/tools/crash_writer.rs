//! The child side of the power-cut test: submits dossiers (with a photo-sized attachment) one
//! after another and prints each code only after `submit` returned, until it is killed.
//! The parent kills it with SIGKILL at a random moment and checks that every printed code is
//! in the reopened database and that the file is intact.

use crate::core::answer::{Answer, AttachmentRef};
use crate::store::{Store, StoredAttachment};
use std::io::Write;
use std::path::Path;

pub fn write_until_killed(database: &Path, limit: Option<u64>) -> Result<(), String> {
    let mut store = Store::open(
        database,
        crate::protocol::sealing::Sealer::from_base64(
            crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY,
        )
        .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let mut n: u64 = 0;
    while limit.is_none_or(|l| n < l) {
        let mut draft =
            crate::cli::test_dossier::made_up("dang-ky-tam-tru", 1, &format!("Nguyễn Văn {n}"));
        let bytes = vec![(n % 251) as u8; 64 * 1024];
        let reference = AttachmentRef {
            sha256: format!("{n:064x}"),
            mime: "image/jpeg".into(),
            bytes: bytes.len(),
        };
        draft
            .answers
            .insert("paper".to_string(), Answer::Attachment(reference.clone()));
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
