//! Shape tests for the random functions: length, alphabet, UUID form.

use crate::gotemplate::Value;
use crate::sprig::Env;
use crate::sprig::vector_tests::{NoTemplates, print_v};

fn call(env: &Env, name: &str, args: Vec<Value>) -> Result<String, String> {
    let funcs = crate::sprig::funcs(env);
    let f = funcs.get(name).expect("registered");
    (f.body)(&mut NoTemplates::new(), args)
        .map(|v| String::from_utf8(print_v(&v)).expect("utf8"))
        .map_err(|e| e.message)
}

#[test]
fn random_strings_use_goutils_alphabets() {
    let env = Env::system();
    type Allowed = fn(char) -> bool;
    let cases: [(&str, Allowed); 4] = [
        ("randAlphaNum", |c| c.is_ascii_alphanumeric()),
        ("randAlpha", |c| c.is_ascii_alphabetic()),
        ("randNumeric", |c| c.is_ascii_digit()),
        ("randAscii", |c| (' '..='~').contains(&c)),
    ];
    for (name, ok) in cases {
        let s = call(&env, name, vec![Value::int(200)]).expect(name);
        assert_eq!(s.len(), 200, "{name}");
        assert!(s.chars().all(ok), "{name}: {s}");
        assert_eq!(call(&env, name, vec![Value::int(0)]).expect(name), "");
        assert_eq!(call(&env, name, vec![Value::int(-3)]).expect(name), "");
    }
}

#[test]
fn uuid_rand_int_shuffle_and_bytes() {
    let env = Env::system();
    let u = call(&env, "uuidv4", vec![]).expect("uuid");
    let parts: Vec<&str> = u.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(parts[2].starts_with('4'));
    assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    for _ in 0..50 {
        let n: i64 = call(&env, "randInt", vec![Value::int(-5), Value::int(5)])
            .expect("randInt")
            .parse()
            .expect("int");
        assert!((-5..5).contains(&n));
    }
    assert_eq!(
        call(&env, "randInt", vec![Value::int(3), Value::int(3)]).expect_err("empty"),
        "invalid argument to Intn"
    );
    let mut shuffled: Vec<char> = call(&env, "shuffle", vec![Value::string("héllo wörld")])
        .expect("shuffle")
        .chars()
        .collect();
    shuffled.sort_unstable();
    let mut want: Vec<char> = "héllo wörld".chars().collect();
    want.sort_unstable();
    assert_eq!(shuffled, want);
    let b = call(&env, "randBytes", vec![Value::int(24)]).expect("bytes");
    assert_eq!(
        crate::sprig::encoding::b64_decode(b.as_bytes())
            .expect("b64")
            .len(),
        24
    );
}
