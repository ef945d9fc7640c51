//! Sprig's certificate functions: `genCA`, `genCAWithKey`,
//! `genSelfSignedCert`, `genSelfSignedCertWithKey`, `genSignedCert`,
//! `genSignedCertWithKey`, `buildCustomCert`, and `genPrivateKey`.
//!
//! Certificates are assembled as Go's `x509.CreateCertificate` assembles
//! Sprig's template: v3, a random 128-bit serial, subject CN only,
//! validity from now for `daysValid` days, key usage (critical),
//! extended key usage server+client auth, basic constraints (critical),
//! for CAs a subject key id (SHA-256 of the key, first 20 bytes, as Go
//! 1.25+), an authority key id from the signer's, and the SANs (DNS names
//! then IPs). RSA keys are 2048 bits, signatures SHA-256.

use std::rc::Rc;

use sha2::Digest;

use crate::gotemplate::{Func, Funcs, IntKind, Object, Signature, Str, Type, Value};
use crate::sprig::Env;
use crate::sprig::encoding::b64_decode;
use crate::sprig::random::uniform;
use crate::sprig::typed::{arg, bytes, fail, int, string, text};

use super::der::{
    bit_string, octets, oid, pem_decode, pem_encode, read_tlv, seq, small_int, tlv, uint,
};
use super::keys::{PrivKey, generate_private_key, generate_rsa, parse_private_key_pem};

/// Go's name for Sprig's result type.
const CERT_TYPE: &str = "sprig.certificate";

/// Sprig's `certificate` struct: `.Cert` and `.Key`, both PEM text.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The certificate PEM.
    pub cert: String,
    /// The private key PEM.
    pub key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> String {
        CERT_TYPE.to_string()
    }

    fn method(&self, _name: &str) -> Option<Func> {
        None
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(string(self.cert.as_str())),
            "Key" => Some(string(self.key.as_str())),
            _ => None,
        }
    }

    fn format_v(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }
}

/// The certificate argument's PEM texts.
fn cert_arg(v: &Value) -> (Vec<u8>, Vec<u8>) {
    let get = |name: &str| match v {
        Value::Object(o) => match o.field(name) {
            Some(Value::String(s)) => s.as_bytes().to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    (get("Cert"), get("Key"))
}

/// What a certificate says about its subject.
struct Template {
    cn: Vec<u8>,
    ips: Vec<Vec<u8>>,
    dns: Vec<Vec<u8>>,
    days: i64,
    is_ca: bool,
}

/// The `[]interface{}` IP list: strings parsed as Go's `net.ParseIP`,
/// IPv4 (also IPv4-mapped IPv6) as 4 bytes the way x509 writes them.
fn net_ips(v: &Value) -> Result<Vec<Vec<u8>>, String> {
    let Value::List(list) = v else {
        return Ok(Vec::new());
    };
    list.items()
        .iter()
        .map(|item| {
            let Value::String(s) = item else {
                let shown = String::from_utf8_lossy(&crate::gotemplate::fmt::sprint(
                    std::slice::from_ref(item),
                ))
                .into_owned();
                return Err(format!("error parsing ip: {shown} is not a string"));
            };
            let text = s.to_str_lossy();
            match text.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(a)) => Ok(a.octets().to_vec()),
                Ok(std::net::IpAddr::V6(a)) => Ok(match a.to_ipv4_mapped() {
                    Some(v4) => v4.octets().to_vec(),
                    None => a.octets().to_vec(),
                }),
                Err(_) => Err(format!("error parsing ip: {text}")),
            }
        })
        .collect()
}

/// The `[]interface{}` DNS name list.
fn dns_names(v: &Value) -> Result<Vec<Vec<u8>>, String> {
    let Value::List(list) = v else {
        return Ok(Vec::new());
    };
    list.items()
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.as_bytes().to_vec()),
            other => Err(format!(
                "error processing alternate dns name: {} is not a string",
                String::from_utf8_lossy(&crate::gotemplate::fmt::sprint(std::slice::from_ref(
                    other
                )))
            )),
        })
        .collect()
}

/// `pkix.Name{CommonName: cn}` as Go encodes it.
fn name(cn: &[u8]) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    let atv = seq(&[oid(&[2, 5, 4, 3]), super::der::go_string(cn)]);
    seq(&[tlv(0x31, &atv)])
}

/// An ASN.1 time as Go's x509 writes it (UTCTime for 1950..2050).
fn asn1_time(unix: i64) -> Vec<u8> {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = crate::sprig::go_time::civil_from_days(days);
    let clock = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        m,
        d,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    if (1950..2050).contains(&y) {
        tlv(0x17, format!("{:02}{clock}", y % 100).as_bytes())
    } else {
        tlv(0x18, format!("{y:04}{clock}").as_bytes())
    }
}

fn extension(id: &[u64], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(tlv(0x01, &[0xff]));
    }
    parts.push(octets(&value));
    seq(&parts)
}

/// The key bits of a SubjectPublicKeyInfo (what key ids hash).
fn spki_key_bits(spki: &[u8]) -> Option<Vec<u8>> {
    let (_, body, _) = read_tlv(spki)?;
    let (_, _, rest) = read_tlv(body)?;
    let (tag, bits, _) = read_tlv(rest)?;
    (tag == 0x03 && !bits.is_empty()).then(|| bits[1..].to_vec())
}

/// The signing side of a certificate: the issuer name, the signer's key
/// id (for the authority key id), and its public key as the parent
/// certificate states it.
struct Parent {
    subject: Vec<u8>,
    key_id: Option<Vec<u8>>,
    spki: Vec<u8>,
}

/// Reads what a signer certificate contributes (Go's `ParseCertificate`
/// stands behind the error wording; the detail is rudder's).
fn parse_parent(der: &[u8]) -> Result<Parent, String> {
    use x509_cert::der::{Decode, Encode};
    let cert = x509_cert::Certificate::from_der(der).map_err(|e| e.to_string())?;
    let tbs = &cert.tbs_certificate;
    let subject = tbs.subject.to_der().map_err(|e| e.to_string())?;
    let spki = tbs
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    let key_id = tbs.extensions.as_ref().and_then(|exts| {
        exts.iter()
            .find(|e| e.extn_id.to_string() == "2.5.29.14")
            .and_then(|e| read_tlv(e.extn_value.as_bytes()).map(|(_, id, _)| id.to_vec()))
    });
    Ok(Parent {
        subject,
        key_id,
        spki,
    })
}

/// Go's `CreateCertificate` + Sprig's `getCertAndKey`: the certificate
/// and the signee key, both PEM.
fn create(
    env: &Env,
    t: &Template,
    signee: &PrivKey,
    parent: Option<&Parent>,
    signer: &PrivKey,
) -> Result<Certificate, String> {
    let spki = signee
        .public_key_info()
        .map_err(|e| format!("error retrieving public key from signee key: {e}"))?;
    let created = (|| -> Result<Vec<u8>, String> {
        let alg = signer.sig_alg()?;
        if let Some(p) = parent
            && signer.public_key_info()? != p.spki
        {
            return Err("x509: provided PrivateKey doesn't match parent's PublicKey".into());
        }
        for dns in &t.dns {
            if !dns.is_ascii() {
                return Err(format!(
                    "x509: {:?} cannot be encoded as an IA5String",
                    String::from_utf8_lossy(dns)
                ));
            }
        }
        // rand.Int(rand.Reader, 2^128): 16 random bytes.
        let serial: Vec<u8> = (0..16).map(|_| uniform(env, 256) as u8).collect();
        let subject = name(&t.cn);
        let issuer = parent.map_or_else(|| subject.clone(), |p| p.subject.clone());
        let now = (env.now)().as_second();
        let validity = seq(&[asn1_time(now), asn1_time(now + t.days * 86_400)]);

        let mut exts = Vec::new();
        // KeyUsage: digitalSignature | keyEncipherment (| keyCertSign).
        let ku = if t.is_ca {
            vec![0x02, 0xa4]
        } else {
            vec![0x05, 0xa0]
        };
        exts.push(extension(&[2, 5, 29, 15], true, tlv(0x03, &ku)));
        exts.push(extension(
            &[2, 5, 29, 37],
            false,
            seq(&[
                oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]),
                oid(&[1, 3, 6, 1, 5, 5, 7, 3, 2]),
            ]),
        ));
        let bc = if t.is_ca {
            seq(&[tlv(0x01, &[0xff])])
        } else {
            seq(&[])
        };
        exts.push(extension(&[2, 5, 29, 19], true, bc));
        if t.is_ca {
            let bits = spki_key_bits(&spki).unwrap_or_default();
            let id = sha2::Sha256::digest(&bits);
            exts.push(extension(&[2, 5, 29, 14], false, octets(&id[..20])));
        }
        if let Some(id) = parent.and_then(|p| p.key_id.as_ref())
            && parent.is_some_and(|p| p.subject != subject)
        {
            exts.push(extension(&[2, 5, 29, 35], false, seq(&[tlv(0x80, id)])));
        }
        if !t.dns.is_empty() || !t.ips.is_empty() {
            let mut names: Vec<Vec<u8>> = t.dns.iter().map(|d| tlv(0x82, d)).collect();
            names.extend(t.ips.iter().map(|ip| tlv(0x87, ip)));
            // Go marks the SANs critical when the subject is empty.
            exts.push(extension(&[2, 5, 29, 17], t.cn.is_empty(), seq(&names)));
        }

        let tbs = seq(&[
            tlv(0xa0, &small_int(2)),
            uint(&serial),
            alg.identifier(),
            issuer,
            validity,
            subject,
            spki.clone(),
            tlv(0xa3, &seq(&exts)),
        ]);
        let sig = signer.sign(&tbs)?;
        Ok(seq(&[tbs, alg.identifier(), bit_string(&sig)]))
    })()
    .map_err(|e| format!("error creating certificate: {e}"))?;
    let key = signee
        .to_pem()
        .map_err(|e| format!("error pem-encoding key: {e}"))?;
    Ok(Certificate {
        cert: pem_encode("CERTIFICATE", &created),
        key,
    })
}

fn template(
    args: &[Value],
    cn: usize,
    ips: Option<usize>,
    days: usize,
    is_ca: bool,
) -> Result<Template, String> {
    let (ips, dns) = match ips {
        Some(i) => (net_ips(arg(args, i))?, dns_names(arg(args, i + 1))?),
        None => (Vec::new(), Vec::new()),
    };
    Ok(Template {
        cn: bytes(arg(args, cn)).to_vec(),
        ips,
        dns,
        days: int(arg(args, days)),
        is_ca,
    })
}

fn new_rsa(env: &Env) -> Result<PrivKey, String> {
    generate_rsa(env, 2048).map_err(|e| format!("error generating rsa key: {e}"))
}

fn with_key(args: &[Value], i: usize) -> Result<PrivKey, String> {
    parse_private_key_pem(bytes(arg(args, i))).map_err(|e| format!("parsing private key: {e}"))
}

/// Sprig's `generateSignedCertificateWithKeyInternal`.
fn signed(env: &Env, t: &Template, ca: &Value, key: &PrivKey) -> Result<Certificate, String> {
    let (ca_cert, ca_key) = cert_arg(ca);
    let (_, der) = pem_decode(&ca_cert).ok_or("unable to decode certificate")?;
    let parent = parse_parent(&der)
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let signer =
        parse_private_key_pem(&ca_key).map_err(|e| format!("error parsing private key: {e}"))?;
    create(env, t, key, Some(&parent), &signer)
}

/// Sprig's `buildCustomCertificate`.
fn build_custom(b64cert: &[u8], b64key: &[u8]) -> Result<Certificate, String> {
    let cert = b64_decode(b64cert).map_err(|_| "unable to decode base64 certificate")?;
    let key = b64_decode(b64key).map_err(|_| "unable to decode base64 private key")?;
    let (_, der) = pem_decode(&cert).ok_or("unable to decode certificate")?;
    parse_parent(&der).map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    parse_private_key_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(Certificate {
        cert: String::from_utf8_lossy(&cert).into_owned(),
        key: String::from_utf8_lossy(&key).into_owned(),
    })
}

fn result(r: Result<Certificate, String>) -> Result<Value, crate::gotemplate::FuncError> {
    r.map(|c| Value::Object(Rc::new(c))).map_err(fail)
}

pub(crate) fn register(funcs: &mut Funcs, env: &Env) {
    let s = || Type::String;
    let go_int = || Type::Int(IntKind::Int);
    let list = || Type::Slice(Box::new(Type::Interface));
    let cert = || Type::Named(Rc::from(CERT_TYPE));
    let sig = |params: Vec<Type>| Signature::new(params, cert()).with_error();

    let e = env.clone();
    funcs.insert(Func::new(
        "genPrivateKey",
        Signature::new(vec![s()], s()),
        move |_, args| Ok(string(generate_private_key(&e, &text(arg(&args, 0))))),
    ));
    funcs.insert(Func::new(
        "buildCustomCert",
        sig(vec![s(), s()]),
        |_, args| result(build_custom(bytes(arg(&args, 0)), bytes(arg(&args, 1)))),
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "genCA",
        sig(vec![s(), go_int()]),
        move |_, args| {
            result(new_rsa(&e).and_then(|k| {
                let t = template(&args, 0, None, 1, true)?;
                create(&e, &t, &k, None, &k)
            }))
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "genCAWithKey",
        sig(vec![s(), go_int(), s()]),
        move |_, args| {
            result(with_key(&args, 2).and_then(|k| {
                let t = template(&args, 0, None, 1, true)?;
                create(&e, &t, &k, None, &k)
            }))
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "genSelfSignedCert",
        sig(vec![s(), list(), list(), go_int()]),
        move |_, args| {
            result(new_rsa(&e).and_then(|k| {
                let t = template(&args, 0, Some(1), 3, false)?;
                create(&e, &t, &k, None, &k)
            }))
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "genSelfSignedCertWithKey",
        sig(vec![s(), list(), list(), go_int(), s()]),
        move |_, args| {
            result(with_key(&args, 4).and_then(|k| {
                let t = template(&args, 0, Some(1), 3, false)?;
                create(&e, &t, &k, None, &k)
            }))
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "genSignedCert",
        sig(vec![s(), list(), list(), go_int(), cert()]),
        move |_, args| {
            result(new_rsa(&e).and_then(|k| {
                let t = template(&args, 0, Some(1), 3, false)?;
                signed(&e, &t, arg(&args, 4), &k)
            }))
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "genSignedCertWithKey",
        sig(vec![s(), list(), list(), go_int(), cert(), s()]),
        move |_, args| {
            result(with_key(&args, 5).and_then(|k| {
                let t = template(&args, 0, Some(1), 3, false)?;
                signed(&e, &t, arg(&args, 4), &k)
            }))
        },
    ));
    let _ = Str::default;
}
