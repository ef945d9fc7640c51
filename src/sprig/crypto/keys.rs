//! Private keys as Sprig handles them: `genPrivateKey`'s generation and
//! PEM forms (Go's `pemBlockForKey`), `parsePrivateKeyPEM` for the
//! `...WithKey` functions, and the public key and signature a
//! certificate needs.

use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer};

use crate::sprig::Env;
use crate::sprig::random::EnvRng;

use super::der::{bit_string, oid, pem_decode, pem_encode, read_tlv, seq, small_int, tlv, uint};

/// A private key of a type Go's `crypto/x509` knows.
pub(crate) enum PrivKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ecdsa(p256::SecretKey),
    Ed25519(ed25519_dalek::SigningKey),
    /// DSA keys can be generated and parsed but not sign certificates
    /// (Go's `*dsa.PrivateKey` is no `crypto.Signer`).
    Dsa(Vec<u8>),
}

/// Which signature algorithm a key signs certificates with.
pub(crate) enum SigAlg {
    Sha256WithRsa,
    EcdsaWithSha256,
    Ed25519,
}

impl SigAlg {
    /// The DER AlgorithmIdentifier Go writes for it.
    pub(crate) fn identifier(&self) -> Vec<u8> {
        match self {
            // Go keeps the NULL parameters for RSA.
            SigAlg::Sha256WithRsa => seq(&[oid(&[1, 2, 840, 113_549, 1, 1, 11]), vec![0x05, 0x00]]),
            SigAlg::EcdsaWithSha256 => seq(&[oid(&[1, 2, 840, 10_045, 4, 3, 2])]),
            SigAlg::Ed25519 => seq(&[oid(&[1, 3, 101, 112])]),
        }
    }
}

/// `rsa.GenerateKey(rand.Reader, bits)` from the environment's entropy.
pub(crate) fn generate_rsa(env: &Env, bits: usize) -> Result<PrivKey, String> {
    rsa::RsaPrivateKey::new(&mut EnvRng(env), bits)
        .map(|k| PrivKey::Rsa(Box::new(k)))
        .map_err(|e| e.to_string())
}

/// Sprig's `genPrivateKey`: the key's PEM, or the failure as text.
pub(crate) fn generate_private_key(env: &Env, kind: &str) -> String {
    let key = match kind {
        "" | "rsa" => generate_rsa(env, 4096),
        "dsa" => generate_dsa(env),
        "ecdsa" => Ok(PrivKey::Ecdsa(p256::SecretKey::random(&mut EnvRng(env)))),
        "ed25519" => Ok(PrivKey::Ed25519(ed25519_dalek::SigningKey::generate(
            &mut EnvRng(env),
        ))),
        _ => return format!("Unknown type {kind}"),
    };
    match key.and_then(|k| k.to_pem()) {
        Ok(pem) => pem,
        Err(e) => format!("failed to generate private key: {e}"),
    }
}

/// DSA with L=2048, N=256 parameters, in the OpenSSL form Sprig writes:
/// SEQUENCE { 0, P, Q, G, Y, X }.
fn generate_dsa(env: &Env) -> Result<PrivKey, String> {
    let mut rng = EnvRng(env);
    let components = dsa::Components::generate(&mut rng, dsa::KeySize::DSA_2048_256);
    let key = dsa::SigningKey::generate(&mut rng, components);
    let vk = key.verifying_key();
    let c = vk.components();
    let der = seq(&[
        small_int(0),
        uint(&c.p().to_bytes_be()),
        uint(&c.q().to_bytes_be()),
        uint(&c.g().to_bytes_be()),
        uint(&vk.y().to_bytes_be()),
        uint(&key.x().to_bytes_be()),
    ]);
    Ok(PrivKey::Dsa(der))
}

impl PrivKey {
    /// Go's `pemBlockForKey` encoded.
    pub(crate) fn to_pem(&self) -> Result<String, String> {
        Ok(match self {
            PrivKey::Rsa(k) => {
                let der = k.to_pkcs1_der().map_err(|e| e.to_string())?;
                pem_encode("RSA PRIVATE KEY", der.as_bytes())
            }
            PrivKey::Ecdsa(k) => {
                // Go's MarshalECPrivateKey: version 1, the scalar, the
                // named curve (P-256) and the uncompressed public point.
                use p256::elliptic_curve::sec1::ToEncodedPoint;
                let point = k.public_key().to_encoded_point(false);
                let der = seq(&[
                    small_int(1),
                    tlv(0x04, &k.to_bytes()),
                    tlv(0xa0, &oid(&[1, 2, 840, 10_045, 3, 1, 7])),
                    tlv(0xa1, &bit_string(point.as_bytes())),
                ]);
                pem_encode("EC PRIVATE KEY", &der)
            }
            PrivKey::Ed25519(k) => {
                // Go's MarshalPKCS8PrivateKey: version 0, the Ed25519
                // algorithm, the seed wrapped in an OCTET STRING; no
                // public key.
                let der = seq(&[
                    small_int(0),
                    seq(&[oid(&[1, 3, 101, 112])]),
                    tlv(0x04, &tlv(0x04, k.as_bytes())),
                ]);
                pem_encode("PRIVATE KEY", &der)
            }
            PrivKey::Dsa(der) => pem_encode("DSA PRIVATE KEY", der),
        })
    }

    /// The SubjectPublicKeyInfo DER, as Go's `MarshalPKIXPublicKey`.
    pub(crate) fn public_key_info(&self) -> Result<Vec<u8>, String> {
        let doc = match self {
            PrivKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivKey::Ecdsa(k) => k.public_key().to_public_key_der(),
            PrivKey::Ed25519(k) => k.verifying_key().to_public_key_der(),
            PrivKey::Dsa(_) => {
                return Err("x509: only RSA, ECDSA, Ed25519, and X25519 keys supported".into());
            }
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|e| e.to_string())
    }

    /// The algorithm Go's `CreateCertificate` picks for this key.
    pub(crate) fn sig_alg(&self) -> Result<SigAlg, String> {
        match self {
            PrivKey::Rsa(_) => Ok(SigAlg::Sha256WithRsa),
            PrivKey::Ecdsa(_) => Ok(SigAlg::EcdsaWithSha256),
            PrivKey::Ed25519(_) => Ok(SigAlg::Ed25519),
            PrivKey::Dsa(_) => {
                Err("x509: certificate private key does not implement crypto.Signer".into())
            }
        }
    }

    /// Signs `msg` with the key's certificate algorithm.
    pub(crate) fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        match self {
            PrivKey::Rsa(k) => {
                let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(k.as_ref().clone());
                Ok(signer.sign(msg).to_vec())
            }
            PrivKey::Ecdsa(k) => {
                let signer = p256::ecdsa::SigningKey::from(k);
                let sig: p256::ecdsa::Signature = signer.sign(msg);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            PrivKey::Ed25519(k) => Ok(ed25519_dalek::Signer::sign(k, msg).to_bytes().to_vec()),
            PrivKey::Dsa(_) => {
                Err("x509: certificate private key does not implement crypto.Signer".into())
            }
        }
    }
}

/// Sprig's `parsePrivateKeyPEM`, with its error texts (the wrapped
/// library messages are rudder's, not Go's).
pub(crate) fn parse_private_key_pem(pem: &[u8]) -> Result<PrivKey, String> {
    let (kind, der) = pem_decode(pem).ok_or("no PEM data in input")?;
    if kind == "PRIVATE KEY" {
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            return Ok(PrivKey::Rsa(Box::new(k)));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
            return Ok(PrivKey::Ecdsa(k));
        }
        return ed25519_dalek::SigningKey::from_pkcs8_der(&der)
            .map(PrivKey::Ed25519)
            .map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(prefix) = kind.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {kind}"));
    };
    match prefix {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map(|k| PrivKey::Rsa(Box::new(k)))
            .map_err(|e| format!("parsing RSA private key from PEM: {e}")),
        "EC" => p256::SecretKey::from_sec1_der(&der)
            .map(PrivKey::Ecdsa)
            .map_err(|e| format!("parsing EC private key from PEM: {e}")),
        "DSA" => {
            let ok = read_tlv(&der).is_some_and(|(tag, body, _)| {
                let mut rest = body;
                let mut n = 0;
                while let Some((t, _, r)) = read_tlv(rest) {
                    if t != 0x02 {
                        return false;
                    }
                    n += 1;
                    rest = r;
                }
                tag == 0x30 && n == 6 && rest.is_empty()
            });
            if ok {
                Ok(PrivKey::Dsa(der))
            } else {
                Err("parsing DSA private key from PEM: asn1: structure error".into())
            }
        }
        _ => Err(format!("invalid private key type {kind}")),
    }
}
