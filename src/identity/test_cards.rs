//! The committed test cards (`assets/dev/cards`) and the test CSCA that signed them, for the
//! identity module's own tests.

use crate::identity::card_image::CardImage;
use crate::identity::trust_list::{TrustList, parse_certificates};
use std::path::PathBuf;

pub fn cards_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards")
}

/// A trust list holding only the test CSCA.
pub fn test_csca() -> TrustList {
    let pem = std::fs::read(cards_folder().join("csca.pem")).expect("the test CSCA");
    TrustList::with(parse_certificates(&pem).expect("the test CSCA parses"))
}

pub fn cards() -> Vec<CardImage> {
    CardImage::load_folder(&cards_folder()).expect("the committed test cards")
}

/// An RSA key for active authentication tests (made once with `openssl genpkey`, 1024 bits,
/// fictitious; key generation in a debug test would take seconds).
pub fn test_rsa_key() -> rsa::RsaPrivateKey {
    use rsa::pkcs8::DecodePrivateKey as _;
    rsa::RsaPrivateKey::from_pkcs8_pem(TEST_RSA_KEY).expect("the test key parses")
}

const TEST_RSA_KEY: &str = "\
-----BEGIN PRIVATE KEY-----\n\
MIICeAIBADANBgkqhkiG9w0BAQEFAASCAmIwggJeAgEAAoGBAMRw0PTNwB783S0w\n\
Lj06ADsOoQo9ZS+Nt1lyjEeD5XV9Hi0a1mjVY99quf4OxQhYlSriKhXHaplX+kY8\n\
tAqnT1M+qxM94I+CUaCd2190gvlgVU8pGS5snK+8AUdyv7r4QeNwCDU/ZsHOyMnR\n\
uTeafBf7c4oirqQwkFx43OebRO1DAgMBAAECgYEAh2hYsRaOow2cjESU6wFrHUpl\n\
OYC+mfvu8cpi5f0GE2mOfnrsZtEJCf0wfe7CZJFjKW9CoUaXtWIOk5HObTWNGFYX\n\
2HG3FvYSdleXKt12iIUIfI8M0c5NqS7xsygA5zrfIIB/5pYtV2HMfmX51WLL5Llf\n\
1C/XLgeFQdVr8a17K3ECQQD+Mkr6OtoXGpWz61LsYiR123H8UctyAFP5UTzP/w2e\n\
HQ6a3JHuARdW9hi2tTSQiuoYeMZBOrG/ZWh91kwtGyVpAkEAxdWeh8beA+UDOrFu\n\
7tw+82mheLrBi/Ij9hS8OaemqS1rkrOhbL7qZpLmIh1rg9cUmA4TGXZFbGfwDLJB\n\
aPTLywJBAOlRTFSl1CxEsIf2RaTG6GRtShCpGy3Gc01ybXkUyHEKhq9KKX/l7IBb\n\
Xo/Ffzv05a4UnRSeRSxCbkiifEUil5ECQBHQK0cUe/cjzsehJFjzkeN+9mAViMne\n\
EqjcsxoJ43LGOTJrZDSTeC2mOnyF46FqY1tRoRygzp11OmMaRdN6f0MCQQDcA3B8\n\
lsFFyehFDYV46N9OU9FCJL/EQ+SdLPgqMuijwTNl3ROiSzrCEylKKpt2tGmK0vkG\n\
OA1yQptJ+clwHDDn\n\
-----END PRIVATE KEY-----\n\
";
