//! Sealing dossiers to the portal's public key before they touch the kiosk's disk: HPKE
//! (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, a fresh
//! ephemeral key for every sealed item. The kiosk can seal but never open: only the portal
//! holds the private key, so a stolen kiosk reveals nothing. No IO here.
//!
//! Sealed bytes: `0x02` (format version) ‖ the recipient key's id (8 bytes: the start of the
//! SHA-256 of its public key) ‖ encapsulated key (32 bytes) ‖ ciphertext with tag. Version
//! `0x01` (no key id) is still opened. The key id lets a portal that rotated its sealing key
//! open old and new dossiers from its key ring. The associated data binds each item to its
//! dossier, so sealed items cannot be swapped between rows unnoticed.

use base64::Engine;
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};

/// Public half of the development portal key (`assets/dev/portal-development.key`): the
/// default in the configuration until a kiosk is provisioned with its portal's key.
pub const DEVELOPMENT_PUBLIC_KEY: &str = "YaXA79KPBfsiRwbamcInPYITTeHfxxbqtc2dkTV+qHE=";

const VERSION_1: u8 = 1;
const VERSION: u8 = 2;
const INFO: &[u8] = b"xakiosk dossier v1";
const ENCAPPED_LEN: usize = 32;
const KEY_ID_LEN: usize = 8;

/// The id of a sealing public key (bytes): the first 8 bytes of its SHA-256.
fn key_id_of(public: &[u8]) -> [u8; KEY_ID_LEN] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(public);
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&digest[..KEY_ID_LEN]);
    id
}

/// The key id a sealed item names (hex), or `None` for the older format without one.
pub fn sealed_key_id(sealed: &[u8]) -> Option<String> {
    (sealed.first() == Some(&VERSION) && sealed.len() > KEY_ID_LEN)
        .then(|| hex::encode(&sealed[1..1 + KEY_ID_LEN]))
}

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
    #[error("the item is sealed to key {0}, which this key ring does not hold")]
    UnknownKey(String),
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

    /// The id sealed items name for this key (hex).
    pub fn key_id(&self) -> String {
        hex::encode(key_id_of(&self.public.to_bytes()))
    }

    /// Seals `plaintext`, bound to `context` (the dossier id and what the item is).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        self.prepare()?.seal(plaintext, context)
    }

    /// The costly half of sealing one item, done ahead (while the kiosk is idle): a fresh
    /// ephemeral key, its Diffie-Hellman with the portal's key and HPKE's key schedule. The
    /// result seals exactly one item (`PreparedSeal::seal` consumes it), with the same bytes
    /// as `seal` would make.
    pub fn prepare(&self) -> Result<PreparedSeal, SealError> {
        let mut rng = rand_core::TryRngCore::unwrap_err(rand_core::OsRng);
        let (encapped, context) = hpke::setup_sender::<
            ChaCha20Poly1305,
            HkdfSha256,
            X25519HkdfSha256,
            _,
        >(&OpModeS::Base, &self.public, INFO, &mut rng)
        .map_err(|_| SealError::Seal)?;
        let mut encapped_bytes = [0u8; ENCAPPED_LEN];
        encapped_bytes.copy_from_slice(&encapped.to_bytes());
        Ok(PreparedSeal {
            key_id: key_id_of(&self.public.to_bytes()),
            encapped: encapped_bytes,
            context,
        })
    }
}

/// One item's sealing, prepared (`Sealer::prepare`): the encapsulated key and the sender's
/// HPKE context, for the key `key_id`. Used once, then gone.
pub struct PreparedSeal {
    key_id: [u8; KEY_ID_LEN],
    encapped: [u8; ENCAPPED_LEN],
    context: hpke::aead::AeadCtxS<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>,
}

impl PreparedSeal {
    /// Whether this was prepared for the key `sealer` seals to (a new portal key after a
    /// catalogue update makes older preparations useless).
    pub fn is_for(&self, sealer: &Sealer) -> bool {
        self.key_id == key_id_of(&sealer.public.to_bytes())
    }

    /// Seals `plaintext`, bound to `context` (the dossier id and what the item is).
    pub fn seal(mut self, plaintext: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        let ciphertext = self
            .context
            .seal(plaintext, context)
            .map_err(|_| SealError::Seal)?;
        let mut out = Vec::with_capacity(1 + KEY_ID_LEN + ENCAPPED_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&self.encapped);
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

    /// The id of this key (hex), as sealed items name it.
    pub fn key_id(&self) -> String {
        let public = <X25519HkdfSha256 as Kem>::sk_to_pk(&self.private);
        hex::encode(key_id_of(&public.to_bytes()))
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        let body = match sealed.first() {
            Some(&VERSION_1) => &sealed[1..],
            Some(&VERSION) if sealed.len() > 1 + KEY_ID_LEN => {
                let named = hex::encode(&sealed[1..1 + KEY_ID_LEN]);
                if named != self.key_id() {
                    return Err(SealError::UnknownKey(named));
                }
                &sealed[1 + KEY_ID_LEN..]
            }
            _ => return Err(SealError::Open),
        };
        if body.len() < ENCAPPED_LEN {
            return Err(SealError::Open);
        }
        let encapped = <X25519HkdfSha256 as Kem>::EncappedKey::from_bytes(&body[..ENCAPPED_LEN])
            .map_err(|_| SealError::Open)?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeR::Base,
            &self.private,
            &encapped,
            INFO,
            &body[ENCAPPED_LEN..],
            context,
        )
        .map_err(|_| SealError::Open)
    }
}

/// The portal's sealing keys: the current one (what kiosks are told to seal to) and the
/// previous ones, kept so that dossiers sealed before a rotation still open.
pub struct KeyRing {
    keys: Vec<Opener>,
}

impl KeyRing {
    /// `current` first, then older keys.
    pub fn new(current: Opener, previous: Vec<Opener>) -> KeyRing {
        let mut keys = vec![current];
        keys.extend(previous);
        KeyRing { keys }
    }

    pub fn current(&self) -> &Opener {
        &self.keys[0]
    }

    /// Whether an item sealed to key `id` (hex) can be opened here.
    pub fn holds(&self, id: &str) -> bool {
        self.keys.iter().any(|k| k.key_id() == id)
    }

    /// Opens with the key the item names (older items without a name: each key in turn).
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Vec<u8>, SealError> {
        match sealed_key_id(sealed) {
            Some(id) => self
                .keys
                .iter()
                .find(|k| k.key_id() == id)
                .ok_or(SealError::UnknownKey(id))?
                .open(sealed, context),
            None => self
                .keys
                .iter()
                .find_map(|k| k.open(sealed, context).ok())
                .ok_or(SealError::Open),
        }
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
            Err(SealError::UnknownKey(sealer.key_id())),
            "another key is told which key the item needs"
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
        let private = include_str!("../../assets/dev/portal-development.key");
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
    fn a_seal_prepared_ahead_opens_like_any_and_knows_its_key() {
        let (private, public) = Opener::generate();
        let sealer = Sealer::from_base64(&public).unwrap();
        let prepared = [sealer.prepare().unwrap(), sealer.prepare().unwrap()];
        let (_, other) = Opener::generate();
        assert!(prepared[0].is_for(&sealer));
        assert!(!prepared[0].is_for(&Sealer::from_base64(&other).unwrap()));
        let opener = Opener::from_base64(&private).unwrap();
        let sealed: Vec<Vec<u8>> = prepared
            .into_iter()
            .map(|p| p.seal(b"Tran Thi Mai", b"d/answers").unwrap())
            .collect();
        for item in &sealed {
            assert_eq!(opener.open(item, b"d/answers").unwrap(), b"Tran Thi Mai");
            assert_eq!(opener.open(item, b"e/answers"), Err(SealError::Open));
        }
        assert_ne!(
            sealed[0][9..41],
            sealed[1][9..41],
            "each its own ephemeral key"
        );
    }

    #[test]
    fn every_seal_uses_a_fresh_key() {
        let (_, public) = Opener::generate();
        let sealer = Sealer::from_base64(&public).unwrap();
        let a = sealer.seal(b"same", b"c").unwrap();
        let b = sealer.seal(b"same", b"c").unwrap();
        assert_eq!(a[1..9], b[1..9], "the same recipient key id");
        assert_ne!(a[9..41], b[9..41], "a fresh encapsulated key");
    }

    #[test]
    fn a_key_ring_opens_items_sealed_before_and_after_a_rotation() {
        let (old_private, old_public) = Opener::generate();
        let (new_private, new_public) = Opener::generate();
        let before = Sealer::from_base64(&old_public)
            .unwrap()
            .seal(b"truoc", b"d/answers")
            .unwrap();
        let after = Sealer::from_base64(&new_public)
            .unwrap()
            .seal(b"sau", b"d/answers")
            .unwrap();
        assert_eq!(
            sealed_key_id(&before),
            Some(Sealer::from_base64(&old_public).unwrap().key_id())
        );
        let ring = KeyRing::new(
            Opener::from_base64(&new_private).unwrap(),
            vec![Opener::from_base64(&old_private).unwrap()],
        );
        assert_eq!(ring.open(&before, b"d/answers").unwrap(), b"truoc");
        assert_eq!(ring.open(&after, b"d/answers").unwrap(), b"sau");
        // Without the old key, the item says which key it needs.
        let only_new = KeyRing::new(Opener::from_base64(&new_private).unwrap(), Vec::new());
        assert!(matches!(
            only_new.open(&before, b"d/answers"),
            Err(SealError::UnknownKey(_))
        ));
        // The older format (no key id) still opens.
        let old_format: Vec<u8> = [&[1u8][..], &before[9..]].concat();
        assert_eq!(ring.open(&old_format, b"d/answers").unwrap(), b"truoc");
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
