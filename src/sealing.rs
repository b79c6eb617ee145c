//! Sealing dossiers to the portal's public key before they touch the kiosk's disk: HPKE
//! (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, a fresh
//! ephemeral key for every sealed item. The kiosk can seal but never open: only the portal
//! holds the private key, so a stolen kiosk reveals nothing. No IO here.
//!
//! Sealed bytes: `0x01` (format version) ‖ encapsulated key (32 bytes) ‖ ciphertext with tag.
//! The associated data binds each item to its dossier, so sealed items cannot be swapped
//! between rows unnoticed.

use base64::Engine;
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};

/// Public half of the development portal key (`assets/dev/portal-development.key`): the
/// default in the configuration until a kiosk is provisioned with its portal's key.
pub const DEVELOPMENT_PUBLIC_KEY: &str = "YaXA79KPBfsiRwbamcInPYITTeHfxxbqtc2dkTV+qHE=";

const VERSION: u8 = 1;
const INFO: &[u8] = b"xakiosk dossier v1";
const ENCAPPED_LEN: usize = 32;

type PublicKey = <X25519HkdfSha256 as Kem>::PublicKey;
type PrivateKey = <X25519HkdfSha256 as Kem>::PrivateKey;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the portal public key is not a base64 X25519 key: {0}")]
    BadPublicKey(String),
    #[error("the portal private key is not a base64 X25519 key")]
    BadPrivateKey,
    #[error("sealing failed")]
    Seal,
    #[error("the sealed item is damaged, was made for another dossier, or the key is wrong")]
    Open,
}

/// Seals to one portal public key.
#[derive(Clone)]
pub struct Sealer {
    public: PublicKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealer({})", self.public_base64())
    }
}

impl Sealer {
    /// From the base64 public key in the configuration.
    pub fn from_base64(key: &str) -> Result<Sealer, SealError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|e| SealError::BadPublicKey(e.to_string()))?;
        let public =
            PublicKey::from_bytes(&bytes).map_err(|e| SealError::BadPublicKey(e.to_string()))?;
        Ok(Sealer { public })
    }

    pub fn public_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.public.to_bytes())
    }

    /// Seals `plaintext`, bound to `context` (the dossier id and what the item is).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut rng = rand_core::TryRngCore::unwrap_err(rand_core::OsRng);
        let (encapped, ciphertext) =
            hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256, _>(
                &OpModeS::Base,
                &self.public,
                INFO,
                plaintext,
                context,
                &mut rng,
            )
            .map_err(|_| SealError::Seal)?;
        let mut out = Vec::with_capacity(1 + ENCAPPED_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(&encapped.to_bytes());
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }
}

/// The portal's side: opens what kiosks sealed. Lives here so the reference portal and the
/// tests use the same format.
pub struct Opener {
    private: PrivateKey,
}

impl Opener {
    pub fn from_base64(key: &str) -> Result<Opener, SealError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|_| SealError::BadPrivateKey)?;
        let private = PrivateKey::from_bytes(&bytes).map_err(|_| SealError::BadPrivateKey)?;
        Ok(Opener { private })
    }

    /// The public key kiosks seal to (base64).
    pub fn public_base64(&self) -> String {
        let public = <X25519HkdfSha256 as Kem>::sk_to_pk(&self.private);
        base64::engine::general_purpose::STANDARD.encode(public.to_bytes())
    }

    /// A new key pair: (private, public), base64.
    pub fn generate() -> (String, String) {
        let mut rng = rand_core::TryRngCore::unwrap_err(rand_core::OsRng);
        let (private, public) = X25519HkdfSha256::gen_keypair(&mut rng);
        let b64 = base64::engine::general_purpose::STANDARD;
        (
            b64.encode(private.to_bytes()),
            b64.encode(public.to_bytes()),
        )
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < 1 + ENCAPPED_LEN || sealed[0] != VERSION {
            return Err(SealError::Open);
        }
        let encapped =
            <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(&sealed[1..1 + ENCAPPED_LEN])
                .map_err(|_| SealError::Open)?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &self.private,
            &encapped,
            INFO,
            &sealed[1 + ENCAPPED_LEN..],
            context,
        )
        .map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_items_open_only_with_the_portal_key_and_their_own_context() {
        let (private, public) = Opener::generate();
        let sealer = Sealer::from_base64(&public).unwrap();
        let opener = Opener::from_base64(&private).unwrap();
        let secret = "Nguyễn Văn An 001093047064".as_bytes();
        let sealed = sealer.seal(secret, b"dossier-1/answers").unwrap();
        assert!(!sealed.windows(secret.len()).any(|w| w == secret));
        assert_eq!(opener.open(&sealed, b"dossier-1/answers").unwrap(), secret);
        assert_eq!(
            opener.open(&sealed, b"dossier-2/answers"),
            Err(SealError::Open),
            "bound to its dossier"
        );
        let (other, _) = Opener::generate();
        assert_eq!(
            Opener::from_base64(&other)
                .unwrap()
                .open(&sealed, b"dossier-1/answers"),
            Err(SealError::Open)
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            opener.open(&tampered, b"dossier-1/answers"),
            Err(SealError::Open)
        );
        assert_eq!(
            opener.open(&sealed[..10], b"dossier-1/answers"),
            Err(SealError::Open)
        );
    }

    #[test]
    fn the_development_key_pair_belongs_together() {
        let private = include_str!("../assets/dev/portal-development.key");
        let sealer = Sealer::from_base64(DEVELOPMENT_PUBLIC_KEY).unwrap();
        let sealed = sealer.seal(b"xin chao", b"ctx").unwrap();
        assert_eq!(
            Opener::from_base64(private)
                .unwrap()
                .open(&sealed, b"ctx")
                .unwrap(),
            b"xin chao"
        );
    }

    #[test]
    fn every_seal_uses_a_fresh_key() {
        let (_, public) = Opener::generate();
        let sealer = Sealer::from_base64(&public).unwrap();
        let a = sealer.seal(b"same", b"c").unwrap();
        let b = sealer.seal(b"same", b"c").unwrap();
        assert_ne!(a[1..33], b[1..33]);
    }

    #[test]
    fn a_bad_configured_key_is_a_clear_error() {
        assert!(matches!(
            Sealer::from_base64("not base64!"),
            Err(SealError::BadPublicKey(_))
        ));
        assert!(matches!(
            Sealer::from_base64("AAAA"),
            Err(SealError::BadPublicKey(_))
        ));
    }
}
