//! The test card issuer: turns the fictitious holders of `assets/dev/cards/holders.toml` into
//! chip images — EF.COM, DG1 (TD1 MRZ), DG2 (a drawn face as JPEG), DG13, and an EF.SOD
//! signed by a document signer under a test CSCA made for the purpose — plus the card's
//! printed QR text. Deterministic: the same keys and holders give the same bytes (ECDSA per
//! RFC 6979), so the committed card files can be checked against this code. Development
//! and tests only; the kiosk trusts the test CSCA only for simulated cards.

use crate::identity::access_key::check_digit;
use crate::identity::card_access::{self, Cipher, DomainParameters, PaceInfo};
use crate::identity::card_image::CardImage;
use crate::identity::lds::EfId;
use crate::identity::signature_check::HashAlg;
use crate::identity::sod::{DataGroupHash, LdsSecurityObject, OID_LDS_SECURITY_OBJECT};
use crate::identity::{dg1_mrz, dg2_face, dg13, dg14, dg15, ef_com, pace_mapping, tlv};
use chrono::NaiveDate;
use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::{OctetString, UtcTime};
use der::{Any, Encode, EncodePem, Tag};
use serde::{Deserialize, Serialize};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

#[derive(Debug, Clone, Deserialize)]
pub struct Face {
    pub skin: [u8; 3],
    pub hair: [u8; 3],
    pub long_hair: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Holder {
    pub file: String,
    pub personal_id: String,
    #[serde(default)]
    pub old_id: String,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub ethnicity: String,
    pub religion: String,
    pub place_of_origin: String,
    pub place_of_residence: String,
    pub identifying_features: String,
    pub issue_date: NaiveDate,
    /// "YYYY-MM-DD" or "none".
    pub expiry: String,
    pub father: String,
    pub mother: String,
    #[serde(default)]
    pub spouse: String,
    pub face: Face,
}

#[derive(Debug, Deserialize)]
struct HoldersFile {
    holder: Vec<Holder>,
}

/// The test issuer's two private keys (hex scalars), kept in `test-issuer.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuerKeys {
    pub csca_p384: String,
    pub document_signer_p256: String,
}

impl IssuerKeys {
    pub fn generate() -> IssuerKeys {
        loop {
            let mut a = [0u8; 48];
            let mut b = [0u8; 32];
            getrandom::fill(&mut a).expect("system randomness");
            getrandom::fill(&mut b).expect("system randomness");
            if p384::ecdsa::SigningKey::from_slice(&a).is_ok()
                && p256::ecdsa::SigningKey::from_slice(&b).is_ok()
            {
                return IssuerKeys {
                    csca_p384: hex::encode(a),
                    document_signer_p256: hex::encode(b),
                };
            }
        }
    }
}

pub struct Issuer {
    ds_key: p256::ecdsa::SigningKey,
    pub csca: Certificate,
    pub document_signer: Certificate,
}

fn utc(date: &str) -> Time {
    let d = NaiveDate::from_str(date).expect("fixed date");
    let secs = d
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp() as u64;
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(secs)).expect("1970–2049"))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Issuer {
    pub fn new(keys: &IssuerKeys) -> Result<Issuer, String> {
        let csca_key =
            p384::ecdsa::SigningKey::from_slice(&hex::decode(&keys.csca_p384).map_err(err)?)
                .map_err(err)?;
        let ds_key = p256::ecdsa::SigningKey::from_slice(
            &hex::decode(&keys.document_signer_p256).map_err(err)?,
        )
        .map_err(err)?;
        let csca_name = Name::from_str(
            "CN=xakiosk TEST CSCA (not a real authority),O=xakiosk test issuer,C=VN",
        )
        .map_err(err)?;
        let validity = Validity {
            not_before: utc("2020-01-01"),
            not_after: utc("2045-01-01"),
        };
        let spki = SubjectPublicKeyInfoOwned::from_key(*csca_key.verifying_key()).map_err(err)?;
        let csca = CertificateBuilder::new(
            Profile::Root,
            SerialNumber::from(1u32),
            validity,
            csca_name.clone(),
            spki,
            &csca_key,
        )
        .map_err(err)?
        .build::<p384::ecdsa::DerSignature>()
        .map_err(err)?;
        let ds_spki = SubjectPublicKeyInfoOwned::from_key(*ds_key.verifying_key()).map_err(err)?;
        let document_signer = CertificateBuilder::new(
            Profile::Leaf {
                issuer: csca_name,
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            SerialNumber::from(2u32),
            Validity {
                not_before: utc("2020-01-01"),
                not_after: utc("2040-01-01"),
            },
            Name::from_str("CN=xakiosk TEST document signer,O=xakiosk test issuer,C=VN")
                .map_err(err)?,
            ds_spki,
            &csca_key,
        )
        .map_err(err)?
        .build::<p384::ecdsa::DerSignature>()
        .map_err(err)?;
        Ok(Issuer {
            ds_key,
            csca,
            document_signer,
        })
    }

    pub fn csca_pem(&self) -> String {
        self.csca
            .to_pem(der::pem::LineEnding::LF)
            .expect("certificate encodes")
    }

    /// The EF.SOD over the given data groups (number → file bytes), SHA-256, signed by the
    /// document signer.
    pub fn sign_sod(&self, data_groups: &BTreeMap<u8, Vec<u8>>) -> Result<Vec<u8>, String> {
        let hash = HashAlg::Sha256;
        let lds = LdsSecurityObject {
            version: 0,
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: hash.oid(),
                parameters: None,
            },
            data_group_hash_values: data_groups
                .iter()
                .map(|(n, bytes)| DataGroupHash {
                    data_group_number: *n,
                    data_group_hash_value: OctetString::new(hash.digest(bytes)).expect("hash"),
                })
                .collect(),
            lds_version_info: None,
        };
        let info = self.sign(OID_LDS_SECURITY_OBJECT, lds.to_der().map_err(err)?)?;
        Ok(tlv::encode(0x77, &info))
    }

    /// A CSCA master list of `cscas`, signed by the document signer's key and certificate
    /// standing in as master list signer (issued by the test CSCA).
    pub fn master_list(&self, cscas: &[x509_cert::Certificate]) -> Result<Vec<u8>, String> {
        let mut certs = Vec::new();
        for csca in cscas {
            certs.extend(csca.to_der().map_err(err)?);
        }
        let list = tlv::encode(
            0x30,
            &[tlv::encode(0x02, &[0]), tlv::encode(0x31, &certs)].concat(),
        );
        self.sign(crate::identity::master_list::OID_CSCA_MASTER_LIST, list)
    }

    /// A CMS SignedData (ContentInfo DER) of `content` typed `econtent_type`, SHA-256, signed
    /// by the document signer.
    fn sign(
        &self,
        econtent_type: der::asn1::ObjectIdentifier,
        content: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        let hash = HashAlg::Sha256;
        let content = EncapsulatedContentInfo {
            econtent_type,
            econtent: Some(Any::new(Tag::OctetString, content).map_err(err)?),
        };
        let digest = AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: None,
        };
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: self.document_signer.tbs_certificate.issuer.clone(),
            serial_number: self.document_signer.tbs_certificate.serial_number.clone(),
        });
        let signer = SignerInfoBuilder::new(&self.ds_key, sid, digest.clone(), &content, None)
            .map_err(err)?;
        let info = SignedDataBuilder::new(&content)
            .add_digest_algorithm(digest)
            .map_err(err)?
            .add_certificate(CertificateChoices::Certificate(
                self.document_signer.clone(),
            ))
            .map_err(err)?
            .add_signer_info::<p256::ecdsa::SigningKey, p256::ecdsa::DerSignature>(signer)
            .map_err(err)?
            .build()
            .map_err(err)?;
        info.to_der().map_err(err)
    }

    /// The chip image and QR text of one holder.
    pub fn issue(&self, holder: &Holder) -> Result<CardImage, String> {
        let expiry = expiry_field(&holder.expiry)?;
        let mrz = mrz(holder, &expiry);
        let face = draw_face(&holder.face);
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 70)
            .encode_image(&face)
            .map_err(err)?;
        let ddmmyyyy = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
        let mut fields: Vec<(u32, Vec<String>)> = vec![
            (1, vec![holder.personal_id.clone()]),
            (2, vec![holder.full_name.clone()]),
            (3, vec![ddmmyyyy(holder.birth_date)]),
            (4, vec![holder.sex.clone()]),
            (5, vec!["Việt Nam".into()]),
            (6, vec![holder.ethnicity.clone()]),
            (7, vec![holder.religion.clone()]),
            (8, vec![holder.place_of_origin.clone()]),
            (9, vec![holder.place_of_residence.clone()]),
            (10, vec![holder.identifying_features.clone()]),
            (11, vec![ddmmyyyy(holder.issue_date)]),
            (
                12,
                vec![match holder.expiry.as_str() {
                    "none" => "Không thời hạn".into(),
                    date => ddmmyyyy(NaiveDate::from_str(date).map_err(err)?),
                }],
            ),
            (13, vec![holder.father.clone(), holder.mother.clone()]),
        ];
        if !holder.spouse.is_empty() {
            fields.push((14, vec![holder.spouse.clone()]));
        }
        if !holder.old_id.is_empty() {
            fields.push((15, vec![holder.old_id.clone()]));
        }
        let mut groups = BTreeMap::new();
        groups.insert(1u8, dg1_mrz::encode(&mrz));
        groups.insert(
            2u8,
            dg2_face::encode(&jpeg, face.width() as u16, face.height() as u16),
        );
        groups.insert(13u8, dg13::encode(&fields));
        // Chip authentication: ECDH on brainpoolP256r1 with AES-128, the chip's key fixed per
        // holder so the committed cards are what this makes.
        let chip_key = private_key(
            b"xakiosk test chip key",
            &holder.personal_id,
            DomainParameters::BrainpoolP256r1,
        );
        let chip_public =
            pace_mapping::public_key(DomainParameters::BrainpoolP256r1, &chip_key).map_err(err)?;
        // Active authentication: ECDSA on NIST P-256 with SHA-256, named in DG14.
        let aa_key = private_key(
            b"xakiosk test AA key",
            &holder.personal_id,
            DomainParameters::NistP256,
        );
        let aa_public =
            pace_mapping::public_key(DomainParameters::NistP256, &aa_key).map_err(err)?;
        groups.insert(
            14u8,
            dg14::encode_with(
                Cipher::Aes(128),
                DomainParameters::BrainpoolP256r1,
                &chip_public,
                Some(&der::asn1::ObjectIdentifier::new_unwrap(
                    "1.2.840.10045.4.3.2",
                )),
            ),
        );
        groups.insert(
            15u8,
            dg15::encode_ec(DomainParameters::NistP256, &aa_public),
        );
        let sod = self.sign_sod(&groups)?;
        let mut files = BTreeMap::new();
        // What chip ID cards offer: PACE, ECDH generic mapping, AES-128, brainpoolP256r1.
        files.insert(
            EfId::CardAccess,
            card_access::encode(&[PaceInfo::ecdh_generic(
                Cipher::Aes(128),
                DomainParameters::BrainpoolP256r1,
            )]),
        );
        files.insert(EfId::Com, ef_com::encode(&[1, 2, 13, 14, 15]));
        for (n, bytes) in groups {
            files.insert(EfId::Dg(n), bytes);
        }
        files.insert(EfId::Sod, sod);
        let qr = format!(
            "{}|{}|{}|{}|{}|{}|{}",
            holder.personal_id,
            holder.old_id,
            holder.full_name,
            holder.birth_date.format("%d%m%Y"),
            holder.sex,
            holder.place_of_residence,
            holder.issue_date.format("%d%m%Y")
        );
        Ok(CardImage {
            label: holder.full_name.clone(),
            personal_id: holder.personal_id.clone(),
            birth: holder.birth_date.format("%y%m%d").to_string(),
            expiry,
            qr,
            files,
            chip_private_key: Some(chip_key),
            aa_private_key: Some(aa_key),
        })
    }
}

/// A test chip's private key: the first SHA-256(purpose ‖ ID ‖ n) that is a valid scalar of
/// `curve`.
fn private_key(purpose: &[u8], personal_id: &str, curve: DomainParameters) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    (0u32..)
        .map(|n| {
            let mut h = Sha256::new();
            h.update(purpose);
            h.update(personal_id.as_bytes());
            h.update(n.to_be_bytes());
            h.finalize().to_vec()
        })
        .find(|key| pace_mapping::public_key(curve, key).is_ok())
        .expect("a valid key among the first few")
}

fn expiry_field(expiry: &str) -> Result<String, String> {
    if expiry == "none" {
        // How a card without expiry fills the field is not published; this simulator uses
        // fillers, and the reader tries this and other encodings (see expiry_candidates).
        return Ok("<<<<<<".into());
    }
    Ok(NaiveDate::from_str(expiry)
        .map_err(err)?
        .format("%y%m%d")
        .to_string())
}

/// The three TD1 lines of a CCCD.
pub fn mrz(holder: &Holder, expiry: &str) -> String {
    let cd = |s: &str| char::from(b'0' + check_digit(s).unwrap_or(0));
    let number = &holder.personal_id[3..];
    let optional = format!("{}<<{}", holder.personal_id, cd(&holder.personal_id));
    let line1 = format!("IDVNM{number}{}{optional}", cd(number));
    let birth = holder.birth_date.format("%y%m%d").to_string();
    let sex = if holder.sex == "Nữ" { 'F' } else { 'M' };
    let mut line2 = format!("{birth}{}{sex}{expiry}{}VNM", cd(&birth), cd(expiry));
    while line2.len() < 29 {
        line2.push('<');
    }
    let composite = format!(
        "{}{}{}{}",
        &line1[5..30],
        &line2[0..7],
        &line2[8..15],
        &line2[18..29]
    );
    line2.push(cd(&composite));
    let folded = crate::core::fold::fold(&holder.full_name).to_ascii_uppercase();
    let mut words = folded.split(' ');
    let surname = words.next().unwrap_or("");
    let given: Vec<&str> = words.collect();
    let mut line3 = format!("{surname}<<{}", given.join("<"));
    line3.truncate(30);
    while line3.len() < 30 {
        line3.push('<');
    }
    format!("{line1}{line2}{line3}")
}

/// A simple drawn portrait: background, hair, face, eyes, mouth, shoulders.
pub fn draw_face(face: &Face) -> image::RgbImage {
    let (w, h) = (240u32, 320u32);
    let skin = image::Rgb(face.skin);
    let hair = image::Rgb(face.hair);
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let inside = |cx: f32, cy: f32, rx: f32, ry: f32| {
            ((fx - cx) / rx).powi(2) + ((fy - cy) / ry).powi(2) <= 1.0
        };
        let eye = inside(95.0, 140.0, 10.0, 6.0) || inside(145.0, 140.0, 10.0, 6.0);
        let mouth = inside(120.0, 200.0, 22.0, 6.0) && fy > 200.0;
        if eye {
            image::Rgb([40, 30, 30])
        } else if mouth {
            image::Rgb([170, 70, 70])
        } else if inside(120.0, 150.0, 62.0, 82.0)
            && !(fy < 105.0 && inside(120.0, 95.0, 70.0, 45.0))
        {
            skin
        } else if inside(120.0, 110.0, 72.0, 62.0)
            || (face.long_hair && fx > 48.0 && fx < 192.0 && fy > 110.0 && fy < 250.0)
        {
            hair
        } else if fy > 250.0 && inside(120.0, 340.0, 115.0, 95.0) {
            image::Rgb([40, 60, 110])
        } else {
            image::Rgb([225, 232, 240])
        }
    })
}

/// Reads the holders file and the issuer keys (generating and saving them if absent) and
/// writes one `<file>.card.json` per holder and `csca.pem` into `folder`.
pub fn issue_folder(folder: &Path) -> Result<Vec<String>, String> {
    let holders = holders(folder)?;
    let keys_path = folder.join("test-issuer.toml");
    if !keys_path.exists() {
        let text = format!(
            "# Private keys of the TEST card issuer (fictitious cards only; published on purpose).\n{}",
            toml::to_string(&IssuerKeys::generate()).map_err(err)?
        );
        std::fs::write(&keys_path, text).map_err(err)?;
    }
    let issuer = load_issuer(folder)?;
    std::fs::write(folder.join("csca.pem"), issuer.csca_pem()).map_err(err)?;
    let mut written = Vec::new();
    for holder in &holders {
        let card = issuer.issue(holder)?;
        let path = folder.join(format!("{}.card.json", holder.file));
        std::fs::write(&path, card.to_json()).map_err(err)?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// The holders file parsed (tests and the demo).
pub fn holders(folder: &Path) -> Result<Vec<Holder>, String> {
    let file: HoldersFile =
        toml::from_str(&std::fs::read_to_string(folder.join("holders.toml")).map_err(err)?)
            .map_err(err)?;
    Ok(file.holder)
}

/// The issuer of the committed test keys.
pub fn load_issuer(folder: &Path) -> Result<Issuer, String> {
    let keys: IssuerKeys =
        toml::from_str(&std::fs::read_to_string(folder.join("test-issuer.toml")).map_err(err)?)
            .map_err(err)?;
    Issuer::new(&keys)
}
