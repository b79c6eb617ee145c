//! PACE over Diffie-Hellman (ICAO Doc 9303 part 11 §4.4.3.3.1 and appendix G.2): the MODP
//! groups with prime-order subgroups of RFC 5114 §2.1–2.3 that EF.CardAccess names by ids 0, 1
//! and 2; public keys g^x mod p, generic mapping g~ = g^s · h with h = y^x, the shared secret
//! y^x, every value an unsigned big-endian integer as long as p. Big-number arithmetic is `rsa`'s
//! (`num-bigint-dig`'s modular exponentiation), not written here; received values are checked
//! to lie in the subgroup of order q. Group constants are RFC 5114's (as OpenSSL prints them
//! for `dh_rfc5114:1..3`). Chip authentication's groups come instead from DG14's explicit
//! parameters (`Group::explicit`), checked before any value is computed in them.

use crate::identity::card_access::DomainParameters;
use crate::identity::pace_mapping::MappingError;
use rsa::BigUint;

/// One MODP group: RFC 5114's, or one a chip names explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    p: BigUint,
    g: BigUint,
    /// The order of g's subgroup; unknown for PKCS #3 parameters, whose private keys are then
    /// drawn below p.
    q: Option<BigUint>,
}

/// The sizes of p accepted from a chip: what ICAO allows for chip authentication, and no more
/// work than a kiosk should spend on an untrusted file.
pub const EXPLICIT_P_BITS: std::ops::RangeInclusive<usize> = 1024..=4096;

const MODP_1024_160: [&str; 3] = [
    "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
    "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
    "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
];

const MODP_2048_224: [&str; 3] = [
    "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
    "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
    "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
];

const MODP_2048_256: [&str; 3] = [
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
];

fn number(hex_digits: &str) -> BigUint {
    BigUint::parse_bytes(hex_digits.as_bytes(), 16).expect("a group constant")
}

/// The group of `parameters`, when they name one.
pub fn group(parameters: DomainParameters) -> Option<Group> {
    let [p, g, q] = match parameters {
        DomainParameters::Modp1024_160 => MODP_1024_160,
        DomainParameters::Modp2048_224 => MODP_2048_224,
        DomainParameters::Modp2048_256 => MODP_2048_256,
        _ => return None,
    };
    Some(Group {
        p: number(p),
        g: number(g),
        q: Some(number(q)),
    })
}

impl Group {
    /// A group from explicit parameters (big-endian unsigned p, g and, when given, q), after
    /// checking what can be checked cheaply: p odd and of an accepted size, 1 < g < p − 1, and
    /// with q: 160 ≤ bits(q) < bits(p), q divides p − 1 and g^q = 1. `None` otherwise.
    pub fn explicit(p: &[u8], g: &[u8], q: Option<&[u8]>) -> Option<Group> {
        let one = BigUint::from(1u8);
        let p = BigUint::from_bytes_be(p);
        let g = BigUint::from_bytes_be(g);
        if !EXPLICIT_P_BITS.contains(&p.bits()) || &p % BigUint::from(2u8) != one {
            return None;
        }
        let p_minus_one = &p - &one;
        if g <= one || g >= p_minus_one {
            return None;
        }
        let q = match q.map(BigUint::from_bytes_be) {
            None => None,
            Some(q) => {
                let fits = q.bits() >= 160 && q.bits() < p.bits();
                if !fits || &p_minus_one % &q != BigUint::from(0u8) || g.modpow(&q, &p) != one {
                    return None;
                }
                Some(q)
            }
        };
        Some(Group { p, g, q })
    }

    /// p, g and q (when known), big-endian unsigned.
    pub fn parameters(&self) -> (Vec<u8>, Vec<u8>, Option<Vec<u8>>) {
        (
            self.p.to_bytes_be(),
            self.g.to_bytes_be(),
            self.q.as_ref().map(BigUint::to_bytes_be),
        )
    }

    /// The length of p (and of every value sent) in bytes.
    pub fn length(&self) -> usize {
        self.p.bits().div_ceil(8)
    }

    /// The length of a private key in bytes: q's, or p's when q is unknown.
    pub fn private_length(&self) -> usize {
        self.q.as_ref().unwrap_or(&self.p).bits().div_ceil(8)
    }

    /// Whether `bytes` is a private key in [1, q − 1] (in [1, p − 2] when q is unknown).
    pub fn valid_private(&self, bytes: &[u8]) -> bool {
        let x = BigUint::from_bytes_be(bytes);
        let bound = match &self.q {
            Some(q) => q.clone(),
            None => &self.p - BigUint::from(1u8),
        };
        x > BigUint::from(0u8) && x < bound
    }

    /// A fresh private key from system randomness.
    pub fn random_private(&self) -> zeroize::Zeroizing<Vec<u8>> {
        loop {
            let mut key = zeroize::Zeroizing::new(vec![0u8; self.private_length()]);
            getrandom::fill(&mut key).expect("system randomness");
            if self.valid_private(&key) {
                return key;
            }
        }
    }

    fn encode(&self, value: &BigUint) -> Vec<u8> {
        let bytes = value.to_bytes_be();
        let mut out = vec![0u8; self.length().saturating_sub(bytes.len())];
        out.extend(bytes);
        out
    }

    /// A received element: 1 < y < p − 1 and, when q is known, in the subgroup of order q.
    fn element(&self, bytes: &[u8]) -> Result<BigUint, MappingError> {
        if bytes.len() > self.length() {
            return Err(MappingError::NotOnCurve);
        }
        let y = BigUint::from_bytes_be(bytes);
        let one = BigUint::from(1u8);
        let outside = self.q.as_ref().is_some_and(|q| y.modpow(q, &self.p) != one);
        if y <= one || y >= &self.p - &one || outside {
            return Err(MappingError::NotOnCurve);
        }
        Ok(y)
    }

    fn private(&self, bytes: &[u8]) -> Result<BigUint, MappingError> {
        if !self.valid_private(bytes) {
            return Err(MappingError::BadScalar);
        }
        Ok(BigUint::from_bytes_be(bytes))
    }

    /// g^x mod p.
    pub fn public_key(&self, private: &[u8]) -> Result<Vec<u8>, MappingError> {
        Ok(self.encode(&self.g.modpow(&self.private(private)?, &self.p)))
    }

    /// Generic mapping: g~ = g^s · y^x mod p.
    pub fn mapped_generator(
        &self,
        nonce: &[u8],
        private: &[u8],
        other_public: &[u8],
    ) -> Result<Vec<u8>, MappingError> {
        let h = self
            .element(other_public)?
            .modpow(&self.private(private)?, &self.p);
        let s = BigUint::from_bytes_be(nonce);
        let mapped = (self.g.modpow(&s, &self.p) * h) % &self.p;
        if mapped <= BigUint::from(1u8) {
            return Err(MappingError::Infinity);
        }
        Ok(self.encode(&mapped))
    }

    /// generator^x mod p: the ephemeral public key on the mapped generator.
    pub fn public_key_on(&self, generator: &[u8], private: &[u8]) -> Result<Vec<u8>, MappingError> {
        let generator = BigUint::from_bytes_be(generator);
        if generator <= BigUint::from(1u8) || generator >= self.p {
            return Err(MappingError::NotOnCurve);
        }
        Ok(self.encode(&generator.modpow(&self.private(private)?, &self.p)))
    }

    /// The shared secret y^x mod p, as long as p.
    pub fn shared_secret(
        &self,
        private: &[u8],
        other_public: &[u8],
    ) -> Result<Vec<u8>, MappingError> {
        let k = self
            .element(other_public)?
            .modpow(&self.private(private)?, &self.p);
        Ok(self.encode(&k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        ::hex::decode(text).unwrap()
    }

    #[test]
    fn an_explicit_group_equal_to_a_named_one_is_accepted_and_bad_parameters_are_not() {
        let [p, g, q] = MODP_2048_224;
        let (p, g, q) = (hex(p), hex(g), hex(q));
        let named = group(DomainParameters::Modp2048_224).unwrap();
        assert_eq!(Group::explicit(&p, &g, Some(&q)), Some(named.clone()));
        // Without q (PKCS #3): accepted, private keys as long as p, no subgroup check.
        let loose = Group::explicit(&p, &g, None).unwrap();
        assert_eq!(loose.private_length(), 256);
        let x = loose.random_private();
        let y = loose.public_key(&x).unwrap();
        let x2 = named.random_private();
        let y2 = named.public_key(&x2).unwrap();
        assert_eq!(
            loose.shared_secret(&x, &y2).unwrap(),
            named.shared_secret(&x2, &y).unwrap()
        );
        // An even p, a g of 1 or p − 1, a q that does not divide p − 1, a too small p.
        let mut even = p.clone();
        *even.last_mut().unwrap() &= 0xFE;
        let mut p_minus_one = p.clone();
        *p_minus_one.last_mut().unwrap() -= 1;
        let mut other_q = q.clone();
        *other_q.last_mut().unwrap() ^= 2;
        for (p, g, q) in [
            (&even, &g, Some(&q)),
            (&p, &vec![1u8], Some(&q)),
            (&p, &p_minus_one, Some(&q)),
            (&p, &g, Some(&other_q)),
            (&p, &g, Some(&vec![3u8])),
            (&p[..64].to_vec(), &vec![2u8], None),
        ] {
            assert_eq!(Group::explicit(p, g, q.map(|q| q.as_slice())), None);
        }
    }

    #[test]
    fn received_values_outside_the_subgroup_are_refused() {
        let named = group(DomainParameters::Modp1024_160).unwrap();
        let x = named.random_private();
        let mut p_minus_one = hex(MODP_1024_160[0]);
        *p_minus_one.last_mut().unwrap() -= 1;
        for bad in [
            vec![1u8],
            vec![0u8],
            p_minus_one,
            vec![2u8],
            vec![0xFF; 129],
        ] {
            assert_eq!(named.shared_secret(&x, &bad), Err(MappingError::NotOnCurve));
        }
    }
}
