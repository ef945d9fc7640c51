//! Where Sprig's non-deterministic functions get randomness and time: the
//! system by default, fixed sources in tests.

use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::rc::Rc;

/// A source of random bytes (Go's `crypto/rand.Reader`, which Sprig uses
/// for everything random, `math/rand` included via seeding).
pub trait Entropy {
    /// Fills `dest` with random bytes.
    fn fill_bytes(&mut self, dest: &mut [u8]);
}

/// The operating system's randomness.
struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // getrandom only fails when the OS has no entropy source at all; a
        // template cannot do anything sensible then, and Go panics too.
        #[allow(clippy::expect_used)]
        getrandom::fill(dest).expect("the operating system's random source failed");
    }
}

/// A deterministic stream (splitmix64), for tests and reproducible
/// renders.
struct SeededEntropy(u64);

impl Entropy for SeededEntropy {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// The sources Sprig's random and time functions read.
#[derive(Clone)]
pub struct Env {
    /// Random bytes.
    pub entropy: Rc<RefCell<dyn Entropy>>,
    /// The current time (`now`, `date` without a time, `ago`).
    pub now: Rc<dyn Fn() -> jiff::Timestamp>,
    /// The local time zone (Go's `time.Local`), which `date` and `now`
    /// print in; see [`Env::tz`].
    tz: Rc<OnceCell<jiff::tz::TimeZone>>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("tz", &self.tz.get())
            .finish_non_exhaustive()
    }
}

impl Env {
    /// The system's randomness, clock and local zone.
    pub fn system() -> Env {
        Env {
            entropy: Rc::new(RefCell::new(SystemEntropy)),
            now: Rc::new(jiff::Timestamp::now),
            // Looked up on first use: finding the system zone reads the
            // zoneinfo directory (about 0.4 ms), which most renders, using
            // no date function, never need.
            tz: Rc::new(OnceCell::new()),
        }
    }

    /// A fixed seed, a fixed clock and UTC: renders repeat exactly.
    pub fn fixed(seed: u64, now: jiff::Timestamp) -> Env {
        Env {
            entropy: Rc::new(RefCell::new(SeededEntropy(seed))),
            now: Rc::new(move || now),
            tz: Rc::new(OnceCell::from(jiff::tz::TimeZone::UTC)),
        }
    }

    /// The local time zone: the system's (looked up once, on first use)
    /// unless [`Env::set_tz`] chose one.
    pub fn tz(&self) -> jiff::tz::TimeZone {
        self.tz.get_or_init(jiff::tz::TimeZone::system).clone()
    }

    /// Makes `tz` the local time zone (tests).
    pub fn set_tz(&mut self, tz: jiff::tz::TimeZone) {
        self.tz = Rc::new(OnceCell::from(tz));
    }

    /// `n` random bytes.
    pub fn random_bytes(&self, n: usize) -> Vec<u8> {
        let mut buf = vec![0; n];
        self.entropy.borrow_mut().fill_bytes(&mut buf);
        buf
    }
}
