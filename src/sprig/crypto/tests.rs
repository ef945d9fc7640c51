//! Shape tests for the generated keys and certificates (random by
//! nature): PEM block types, parse-ability, certificate fields, chains,
//! and fixed-seed repeatability.

use x509_cert::der::{Decode, Encode};

use crate::gotemplate::{List, Type, Value};
use crate::sprig::Env;
use crate::sprig::vector_tests::NoTemplates;

use super::der::pem_decode;

fn env() -> Env {
    // 2025-12-01T19:00:00Z.
    Env::fixed(7, jiff::Timestamp::from_second(1_764_615_600).expect("ts"))
}

fn call(env: &Env, name: &str, args: Vec<Value>) -> Result<Value, String> {
    let funcs = crate::sprig::funcs(env);
    let f = funcs.get(name).expect("registered");
    (f.body)(&mut NoTemplates::new(), args).map_err(|e| e.message)
}

fn s(v: &str) -> Value {
    Value::string(v)
}

fn strings(items: &[&str]) -> Value {
    Value::List(List::new(
        Type::Interface,
        items.iter().map(|i| s(i)).collect(),
    ))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_str_lossy().into_owned(),
        other => panic!("not a string: {other:?}"),
    }
}

fn field(v: &Value, name: &str) -> String {
    match v {
        Value::Object(o) => text(&o.field(name).expect("field")),
        other => panic!("not an object: {other:?}"),
    }
}

fn parse_cert(pem: &str) -> x509_cert::Certificate {
    let (kind, der) = pem_decode(pem.as_bytes()).expect("pem");
    assert_eq!(kind, "CERTIFICATE");
    x509_cert::Certificate::from_der(&der).expect("certificate parses")
}

fn ext<'a>(c: &'a x509_cert::Certificate, id: &str) -> Option<&'a x509_cert::ext::Extension> {
    c.tbs_certificate
        .extensions
        .as_ref()
        .and_then(|e| e.iter().find(|x| x.extn_id.to_string() == id))
}

fn cn(name: &x509_cert::name::Name) -> String {
    name.to_string()
}

#[test]
fn private_keys_have_go_pem_shapes() {
    let env = env();
    let ec = text(&call(&env, "genPrivateKey", vec![s("ecdsa")]).expect("ecdsa"));
    assert!(ec.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{ec}");
    assert!(ec.ends_with("-----END EC PRIVATE KEY-----\n"));
    assert!(ec.lines().all(|l| l.len() <= 64));
    let ed = text(&call(&env, "genPrivateKey", vec![s("ed25519")]).expect("ed25519"));
    let (kind, der) = pem_decode(ed.as_bytes()).expect("pem");
    assert_eq!(kind, "PRIVATE KEY");
    // Go's PKCS#8 v1 Ed25519 form: 48 bytes, fixed prefix.
    assert_eq!(der.len(), 48);
    assert_eq!(hex::encode(&der[..16]), "302e020100300506032b657004220420");
    assert_eq!(
        text(&call(&env, "genPrivateKey", vec![s("nope")]).expect("text")),
        "Unknown type nope"
    );
}

#[test]
fn ca_and_signed_certificates_have_sprigs_fields() {
    let env = env();
    let ca_key = text(&call(&env, "genPrivateKey", vec![s("ecdsa")]).expect("key"));
    let ca = call(
        &env,
        "genCAWithKey",
        vec![s("my-ca"), Value::int(365), s(&ca_key)],
    )
    .expect("ca");
    assert_eq!(field(&ca, "Key"), ca_key);
    let ca_cert = parse_cert(&field(&ca, "Cert"));
    let tbs = &ca_cert.tbs_certificate;
    assert_eq!(cn(&tbs.subject), "CN=my-ca");
    assert_eq!(cn(&tbs.issuer), "CN=my-ca");
    assert_eq!(
        tbs.validity.not_before.to_unix_duration().as_secs(),
        1_764_615_600
    );
    assert_eq!(
        tbs.validity.not_after.to_unix_duration().as_secs(),
        1_764_615_600 + 365 * 86_400
    );
    let bc = ext(&ca_cert, "2.5.29.19").expect("basic constraints");
    assert!(bc.critical);
    assert_eq!(bc.extn_value.as_bytes(), [0x30, 0x03, 0x01, 0x01, 0xff]);
    let skid = ext(&ca_cert, "2.5.29.14").expect("skid");

    let leaf_key = text(&call(&env, "genPrivateKey", vec![s("ed25519")]).expect("key"));
    let leaf = call(
        &env,
        "genSignedCertWithKey",
        vec![
            s("leaf.example"),
            strings(&["10.0.0.1", "::1"]),
            strings(&["leaf.example", "*.leaf.example"]),
            Value::int(30),
            ca.clone(),
            s(&leaf_key),
        ],
    )
    .expect("leaf");
    let leaf_cert = parse_cert(&field(&leaf, "Cert"));
    let tbs = &leaf_cert.tbs_certificate;
    assert_eq!(cn(&tbs.subject), "CN=leaf.example");
    assert_eq!(cn(&tbs.issuer), "CN=my-ca");
    assert_eq!(
        tbs.validity.not_after.to_unix_duration().as_secs(),
        1_764_615_600 + 30 * 86_400
    );
    assert_eq!(
        ext(&leaf_cert, "2.5.29.19")
            .expect("bc")
            .extn_value
            .as_bytes(),
        [0x30, 0x00]
    );
    assert!(ext(&leaf_cert, "2.5.29.14").is_none());
    let akid = ext(&leaf_cert, "2.5.29.35").expect("akid");
    assert!(
        akid.extn_value
            .as_bytes()
            .ends_with(&skid.extn_value.as_bytes()[2..])
    );
    let san = ext(&leaf_cert, "2.5.29.17")
        .expect("san")
        .extn_value
        .as_bytes()
        .to_vec();
    let want_san = [
        &b"\x82\x0cleaf.example"[..],
        b"\x82\x0e*.leaf.example",
        b"\x87\x04\x0a\x00\x00\x01",
        b"\x87\x10\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
    ]
    .concat();
    assert_eq!(&san[2..], &want_san[..]);

    // The CA's ECDSA signature over the leaf verifies.
    use p256::ecdsa::signature::Verifier;
    let ca_pub = p256::ecdsa::VerifyingKey::from_sec1_bytes(
        ca_cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes(),
    )
    .expect("ca key");
    let sig = p256::ecdsa::Signature::from_der(leaf_cert.signature.raw_bytes()).expect("sig");
    let tbs_der = leaf_cert.tbs_certificate.to_der().expect("tbs");
    ca_pub.verify(&tbs_der, &sig).expect("signature verifies");
}

#[test]
fn certificate_errors_read_as_sprigs() {
    let env = env();
    let key = text(&call(&env, "genPrivateKey", vec![s("ecdsa")]).expect("key"));
    let err = call(
        &env,
        "genSelfSignedCertWithKey",
        vec![
            s("x"),
            strings(&["300.1.1.1"]),
            Value::Nil(Type::Slice(Box::new(Type::Interface))),
            Value::int(1),
            s(&key),
        ],
    )
    .expect_err("bad ip");
    assert_eq!(err, "error parsing ip: 300.1.1.1");
    let err =
        call(&env, "genCAWithKey", vec![s("x"), Value::int(1), s("nope")]).expect_err("no pem");
    assert_eq!(err, "parsing private key: no PEM data in input");
    let err = call(&env, "buildCustomCert", vec![s("!!"), s("")]).expect_err("b64");
    assert_eq!(err, "unable to decode base64 certificate");
}

#[test]
fn fixed_seed_renders_repeat() {
    let a = text(&call(&env(), "genPrivateKey", vec![s("ecdsa")]).expect("a"));
    let b = text(&call(&env(), "genPrivateKey", vec![s("ecdsa")]).expect("b"));
    assert_eq!(a, b);
    for name in ["randAlphaNum", "randAscii", "uuidv4"] {
        let args = if name == "uuidv4" {
            vec![]
        } else {
            vec![Value::int(20)]
        };
        assert_eq!(
            text(&call(&env(), name, args.clone()).expect("a")),
            text(&call(&env(), name, args).expect("b"))
        );
    }
}

#[test]
fn rsa_ca_is_2048_bits() {
    let env = env();
    let ca = call(&env, "genCA", vec![s("rsa-ca"), Value::int(10)]).expect("ca");
    assert!(field(&ca, "Key").starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
    let cert = parse_cert(&field(&ca, "Cert"));
    let bits = cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes()
        .len();
    // A 2048-bit modulus in PKCS#1: 270 bytes of key bits.
    assert_eq!(bits, 270);
    assert_eq!(
        cert.signature_algorithm.oid.to_string(),
        "1.2.840.113549.1.1.11"
    );
}

/// The certificates `fixtures/sprig-b/rudder-certs` holds, regenerated
/// from the fixed seed: (file name, PEM).
fn fixed_seed_certificates() -> Vec<(&'static str, String)> {
    let env = env();
    let ca_key = text(&call(&env, "genPrivateKey", vec![s("ecdsa")]).expect("key"));
    let ca = call(
        &env,
        "genCAWithKey",
        vec![s("my-ca"), Value::int(365), s(&ca_key)],
    )
    .expect("ca");
    let ed = text(&call(&env, "genPrivateKey", vec![s("ed25519")]).expect("key"));
    let leaf = call(
        &env,
        "genSignedCertWithKey",
        vec![
            s("leaf.example"),
            strings(&["10.0.0.1", "::1"]),
            strings(&["leaf.example"]),
            Value::int(30),
            ca.clone(),
            s(&ed),
        ],
    )
    .expect("leaf");
    let ss = call(
        &env,
        "genSelfSignedCertWithKey",
        vec![
            s(""),
            strings(&[]),
            strings(&["x.y"]),
            Value::int(30),
            s(&ed),
        ],
    )
    .expect("self-signed");
    vec![
        ("ca.pem", field(&ca, "Cert")),
        ("ca.key", field(&ca, "Key")),
        ("leaf.pem", field(&leaf, "Cert")),
        ("leaf.key", field(&leaf, "Key")),
        ("ss.pem", field(&ss, "Cert")),
    ]
}

/// Go accepted these exact bytes (`fixtures/sprig-b/gen/certcheck` parsed
/// them with crypto/x509, verified the chain and loaded the key pairs);
/// rudder still produces them from the same seed. Set
/// `SPRIG_WRITE_CERTS=1` to rewrite them, then rerun the Go check.
#[test]
fn go_accepts_rudders_certificates() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sprig-b/rudder-certs");
    let certs = fixed_seed_certificates();
    if std::env::var_os("SPRIG_WRITE_CERTS").is_some() {
        for (file, pem) in &certs {
            std::fs::write(format!("{dir}/{file}"), pem).expect("write");
        }
        return;
    }
    for (file, pem) in &certs {
        let stored = std::fs::read_to_string(format!("{dir}/{file}")).expect("fixture");
        assert_eq!(&stored, pem, "{file} no longer matches what Go checked");
    }
    let verdict = std::fs::read_to_string(format!("{dir}/go-verdict.txt")).expect("verdict");
    assert!(verdict.contains("verify: <nil>"), "{verdict}");
    assert!(verdict.contains("leaf keypair: <nil>"), "{verdict}");
    assert!(verdict.contains("ca keypair: <nil>"), "{verdict}");
    assert!(
        verdict.contains("CN=\"my-ca\" IsCA=true KU=KeyUsage(37)"),
        "{verdict}"
    );
}
