//! Sprig's `getHostByName`: a DNS lookup, one of the addresses picked at
//! random. Helm replaces it with a function returning "" unless
//! `--enable-dns` is given; this is the function it uses then.

use std::net::ToSocketAddrs;

use crate::gotemplate::{Func, Funcs, Signature, Type};

use super::Env;
use super::random::uniform;
use super::typed::{arg, fail, string, text};

/// The host's addresses as Go's `net.LookupHost` lists them (text form,
/// no duplicates), or none when the lookup fails.
fn lookup_host(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Ok(addrs) = (name, 0).to_socket_addrs() {
        for a in addrs {
            let ip = a.ip().to_string();
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

pub(crate) fn register(funcs: &mut Funcs, env: &Env) {
    let env = env.clone();
    funcs.insert(Func::new(
        "getHostByName",
        Signature::new(vec![Type::String], Type::String),
        move |_, args| {
            let addrs = lookup_host(&text(arg(&args, 0)));
            if addrs.is_empty() {
                // Sprig indexes rand.Intn(len(addrs)), which panics.
                return Err(fail("invalid argument to Intn"));
            }
            let i = uniform(&env, addrs.len() as u64) as usize;
            Ok(string(addrs[i].as_str()))
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::lookup_host;

    #[test]
    fn looks_up_local_names_and_fails_on_unknown_ones() {
        let addrs = lookup_host("localhost");
        assert!(
            addrs.iter().any(|a| a == "127.0.0.1" || a == "::1"),
            "{addrs:?}"
        );
        assert!(lookup_host("no-such-host.invalid").is_empty());
    }
}
