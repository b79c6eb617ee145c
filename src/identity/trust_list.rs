//! The CSCA trust list: the country signing certificates a document signer must chain to,
//! loaded from PEM or DER certificate files and ICAO master lists (`.ml`, whose signature must
//! hold) in configured folders. Loading reports unreadable files by name (never fatal: a kiosk
//! with no trust list still reads cards and says "not verified").

use der::{Decode, DecodePem};
use std::path::Path;
use x509_cert::Certificate;

#[derive(Debug, Clone, Default)]
pub struct TrustList {
    pub cscas: Vec<Certificate>,
    /// Files that could not be read or parsed, with the reason (for the technician).
    pub problems: Vec<String>,
}

impl TrustList {
    pub fn empty() -> TrustList {
        TrustList::default()
    }

    pub fn with(cscas: Vec<Certificate>) -> TrustList {
        TrustList {
            cscas,
            problems: Vec::new(),
        }
    }

    /// Adds the certificates of `path`: a folder (as `add_folder`) or one certificate file.
    pub fn add_path(&mut self, path: &Path) {
        if path.is_dir() {
            return self.add_folder(path);
        }
        self.add_file(path);
    }

    /// Adds one file's CSCAs: a certificate file, or a master list.
    fn add_file(&mut self, path: &Path) {
        match std::fs::read(path) {
            Ok(bytes) => match read_cscas(&bytes) {
                Ok(certs) => self.cscas.extend(certs),
                Err(e) => self.problems.push(format!("{}: {e}", path.display())),
            },
            Err(e) => self.problems.push(format!("{}: {e}", path.display())),
        }
    }

    /// Adds every `.pem`, `.crt`, `.cer`, `.der` and `.ml` file of `folder` (a missing folder
    /// adds nothing and is noted).
    pub fn add_folder(&mut self, folder: &Path) {
        let entries = match std::fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(e) => {
                self.problems.push(format!("{}: {e}", folder.display()));
                return;
            }
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if !matches!(ext.as_str(), "pem" | "crt" | "cer" | "der" | "ml") {
                continue;
            }
            self.add_file(&path);
        }
    }
}

/// The CSCAs of a file: its certificates, or those of the master list it is (whose signature
/// must hold; the signer is vouched for by whoever put the file in the trust folder — `xakiosk
/// card trust import --signer` checks it against a named signer first).
pub fn read_cscas(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    if crate::identity::master_list::is_master_list(bytes) {
        return crate::identity::master_list::open(bytes, &[])
            .map(|list| list.cscas)
            .map_err(|e| e.to_string());
    }
    parse_certificates(bytes)
}

/// One DER certificate, or one or more PEM certificates.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    if bytes.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(bytes).map_err(|_| "not text".to_string())?;
        let mut out = Vec::new();
        for block in text.split_inclusive("-----END CERTIFICATE-----") {
            let block = block.trim();
            if block.contains("-----BEGIN CERTIFICATE-----") {
                out.push(Certificate::from_pem(block).map_err(|e| e.to_string())?);
            }
        }
        if out.is_empty() {
            return Err("no certificate in the PEM file".into());
        }
        Ok(out)
    } else {
        Certificate::from_der(bytes)
            .map(|c| vec![c])
            .map_err(|e| e.to_string())
    }
}
