//! `xakiosk card trust import FILE`: the technician's way to give a kiosk the CSCAs it checks
//! chip ID cards against — from a certificate file (PEM or DER) or an ICAO master list, whose
//! signature must hold and, with `--signer`, whose signer must be the named master list signer
//! or be issued by it. Each CSCA is written once as `csca-<hash>.pem` into the trust folder
//! (`[identity] trust_list`). Messages in English; nothing personal is involved.

use crate::identity::master_list;
use crate::identity::trust_list::parse_certificates;
use der::{Encode, EncodePem};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// `xakiosk card trust …`.
#[derive(clap::Subcommand, Debug)]
pub enum TrustCmd {
    /// Add the CSCAs of a certificate file or an ICAO master list (.ml) to the trust folder
    Import {
        /// A PEM or DER certificate file, or a CSCA master list
        file: PathBuf,
        /// The master list signer's certificate, or the CSCA that issues it (repeatable):
        /// the list must be signed by one of them
        #[arg(long)]
        signer: Vec<PathBuf>,
        /// The trust folder (the kiosk's `[identity] trust_list`)
        #[arg(long, default_value = "/etc/xakiosk/csca")]
        into: PathBuf,
    },
}

pub fn run(command: TrustCmd) -> Result<(), String> {
    match command {
        TrustCmd::Import { file, signer, into } => {
            let report = import(&file, &signer, &into)?;
            println!("{report}");
            Ok(())
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Imports `file`'s CSCAs into `into`; returns what was done, one line each.
pub fn import(file: &Path, signers: &[PathBuf], into: &Path) -> Result<String, String> {
    let bytes = read(file)?;
    let mut trusted = Vec::new();
    for path in signers {
        trusted.extend(
            parse_certificates(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?,
        );
    }
    let mut lines = Vec::new();
    let cscas = if master_list::is_master_list(&bytes) {
        let list =
            master_list::open(&bytes, &trusted).map_err(|e| format!("{}: {e}", file.display()))?;
        lines.push(format!(
            "master list signed by {}{}",
            list.signer,
            if list.signer_trusted {
                " (checked against the signer you named)"
            } else {
                " — WARNING: not checked against a signer you trust; pass --signer"
            }
        ));
        list.cscas
    } else {
        if !signers.is_empty() {
            return Err("--signer applies to master lists only".into());
        }
        parse_certificates(&bytes).map_err(|e| {
            format!(
                "{} is neither a certificate file nor a CSCA master list: {e}",
                file.display()
            )
        })?
    };
    std::fs::create_dir_all(into)
        .map_err(|e| format!("cannot create the trust folder {}: {e}", into.display()))?;
    let (mut added, mut present) = (0, 0);
    for cert in &cscas {
        let der = cert.to_der().map_err(|e| e.to_string())?;
        let name = format!("csca-{}.pem", &hex::encode(Sha256::digest(&der))[..16]);
        let path = into.join(name);
        if path.exists() {
            present += 1;
            continue;
        }
        let pem = cert
            .to_pem(der::pem::LineEnding::LF)
            .map_err(|e| e.to_string())?;
        std::fs::write(&path, pem).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        added += 1;
        lines.push(format!(
            "added {} (valid until {})",
            cert.tbs_certificate.subject, cert.tbs_certificate.validity.not_after
        ));
    }
    lines.push(format!(
        "{added} CSCA certificate(s) added, {present} already there, in {}",
        into.display()
    ));
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::card_side::test_issuer;
    use crate::identity::trust_list::TrustList;

    fn folder() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards")
    }

    #[test]
    fn a_master_list_is_imported_once_and_the_folder_then_verifies_cards() {
        let dir = tempfile::tempdir().unwrap();
        let issuer = test_issuer::load_issuer(&folder()).unwrap();
        let csca = folder().join("csca.pem");
        let cscas = parse_certificates(&std::fs::read(&csca).unwrap()).unwrap();
        let list = dir.path().join("vn.ml");
        std::fs::write(&list, issuer.master_list(&cscas).unwrap()).unwrap();
        let into = dir.path().join("trust");
        let report = import(&list, std::slice::from_ref(&csca), &into).unwrap();
        assert!(
            report.contains("checked against the signer you named"),
            "{report}"
        );
        assert!(report.contains("1 CSCA certificate(s) added"), "{report}");
        let again = import(&list, std::slice::from_ref(&csca), &into).unwrap();
        assert!(
            again.contains("0 CSCA certificate(s) added, 1 already there"),
            "{again}"
        );
        let mut trust = TrustList::empty();
        trust.add_folder(&into);
        assert_eq!(trust.cscas, cscas);
        assert!(trust.problems.is_empty());
        // Without a signer it still imports, and says it did not check the signer.
        let unchecked = import(&list, &[], &dir.path().join("other")).unwrap();
        assert!(unchecked.contains("WARNING"), "{unchecked}");
        // A master list dropped into a folder as it is counts too.
        let drop = dir.path().join("drop");
        std::fs::create_dir(&drop).unwrap();
        std::fs::copy(&list, drop.join("vn.ml")).unwrap();
        let mut trust = TrustList::empty();
        trust.add_folder(&drop);
        assert_eq!(trust.cscas, cscas);
    }

    #[test]
    fn bad_files_are_refused_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.ml");
        std::fs::write(&junk, b"not a list").unwrap();
        let err = import(&junk, &[], dir.path()).unwrap_err();
        assert!(err.contains("neither a certificate file nor"), "{err}");
        let csca = folder().join("csca.pem");
        let err = import(&csca, std::slice::from_ref(&csca), dir.path()).unwrap_err();
        assert!(err.contains("master lists only"), "{err}");
        let err = import(&dir.path().join("missing"), &[], dir.path()).unwrap_err();
        assert!(err.contains("cannot read"), "{err}");
    }
}
