//! One version: Masterminds' `NewVersion`, `StrictNewVersion`, `Compare`
//! and `String()`.

use super::{SemverError, parse_uint};
use regex::Regex;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

/// Longest version text either parser accepts, in bytes.
const MAX_VERSION_LEN: usize = 256;

/// The lenient shape `NewVersion` coerces: optional `v`, one to three
/// numbers of any length (leading zeros allowed), loose prerelease and
/// metadata identifiers that are validated afterwards.
pub(super) const LOOSE_PATTERN: &str = concat!(
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?",
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?",
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?",
);

static LOOSE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(&format!("^{LOOSE_PATTERN}$")).ok());

/// A semantic version as Helm understands it.
///
/// Equality and ordering follow precedence: build metadata is ignored,
/// a prerelease sorts before its release, and prerelease identifiers that
/// are numbers compare numerically. [`Version::original`] keeps the text it
/// was parsed from.
#[derive(Debug, Clone)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

impl Version {
    /// Parses leniently, as Masterminds' `NewVersion`: `v1.2.3`, `1.2` and
    /// `1` are accepted (missing numbers are 0), leading zeros in the
    /// numbers are tolerated.
    pub fn parse(v: &str) -> Result<Version, SemverError> {
        if v.len() > MAX_VERSION_LEN {
            return Err(SemverError::VersionTooLong);
        }
        let caps = LOOSE
            .as_ref()
            .and_then(|re| re.captures(v))
            .ok_or(SemverError::InvalidSemVer)?;
        let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        let number = |s: &str| {
            if s.is_empty() {
                return Ok(0);
            }
            parse_uint(s.trim_start_matches('.')).map_err(|error| SemverError::Number {
                wrapped: true,
                error,
            })
        };
        let major = number(group(1))?;
        let minor = number(group(2))?;
        let patch = number(group(3))?;
        let pre = group(5);
        let metadata = group(8);
        if !pre.is_empty() {
            validate_prerelease(pre)?;
        }
        if !metadata.is_empty() {
            validate_metadata(metadata)?;
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre: pre.to_owned(),
            metadata: metadata.to_owned(),
            original: v.to_owned(),
        })
    }

    /// Parses a complete semantic version only, as Masterminds'
    /// `StrictNewVersion` (no `v`, three numbers, no leading zeros).
    pub fn parse_strict(v: &str) -> Result<Version, SemverError> {
        if v.is_empty() {
            return Err(SemverError::EmptyString);
        }
        if v.len() > MAX_VERSION_LEN {
            return Err(SemverError::VersionTooLong);
        }
        let mut parts = v.splitn(3, '.');
        let (Some(major), Some(minor), Some(mut rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(SemverError::InvalidSemVer);
        };
        // Metadata is split off before the prerelease, both from the third
        // part only, in that order: the error for a bad metadata wins.
        let mut metadata = "";
        if let Some((head, meta)) = rest.split_once('+') {
            validate_metadata(meta)?;
            metadata = meta;
            rest = head;
        }
        let mut pre = "";
        if let Some((head, p)) = rest.split_once('-') {
            validate_prerelease(p)?;
            pre = p;
            rest = head;
        }
        for p in [major, minor, rest] {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SemverError::InvalidCharacters);
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(SemverError::SegmentStartsZero);
            }
        }
        let number = |s: &str| {
            parse_uint(s).map_err(|error| SemverError::Number {
                wrapped: false,
                error,
            })
        };
        Ok(Version {
            major: number(major)?,
            minor: number(minor)?,
            patch: number(rest)?,
            pre: pre.to_owned(),
            metadata: metadata.to_owned(),
            original: v.to_owned(),
        })
    }

    /// A version from its parts, as Masterminds' `New` (the parts are not
    /// validated; the original text is the canonical form).
    pub fn new(major: u64, minor: u64, patch: u64, pre: &str, metadata: &str) -> Version {
        let mut v = Version {
            major,
            minor,
            patch,
            pre: pre.to_owned(),
            metadata: metadata.to_owned(),
            original: String::new(),
        };
        v.original = v.to_string();
        v
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor number (0 when the text had none).
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch number (0 when the text had none).
    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The prerelease, without its `-` (empty for a release).
    pub fn prerelease(&self) -> &str {
        &self.pre
    }

    /// The build metadata, without its `+` (often empty).
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// The text this version was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// Whether this is a prerelease.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// Masterminds' `Compare`: -1, 0 or 1 as an [`Ordering`].
    pub fn compare(&self, other: &Version) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            })
    }
}

impl fmt::Display for Version {
    /// Masterminds' `String()`: canonical numbers, no `v`, prerelease and
    /// metadata as given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.compare(other)
    }
}

impl Hash for Version {
    /// Consistent with [`Eq`]: two validated prereleases compare equal only
    /// when their texts are equal, and metadata is left out.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.major.hash(state);
        self.minor.hash(state);
        self.patch.hash(state);
        self.pre.hash(state);
    }
}

impl std::str::FromStr for Version {
    type Err = SemverError;

    /// Lenient parsing, as [`Version::parse`].
    fn from_str(s: &str) -> Result<Version, SemverError> {
        Version::parse(s)
    }
}

/// Compares two non-empty prereleases identifier by identifier; a missing
/// identifier sorts first.
pub(super) fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (l, r) => {
                let d = compare_pre_part(l.unwrap_or(""), r.unwrap_or(""));
                if d != Ordering::Equal {
                    return d;
                }
            }
        }
    }
}

/// One identifier: numbers (as `u64`; a longer run of digits counts as
/// text, as in Go) sort before text, texts compare bytewise.
fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (parse_uint(s), parse_uint(o)) {
        (Err(_), Err(_)) => s.cmp(o),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        // Equal numbers would be equal texts (no leading zeros get here).
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

fn is_identifier_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn validate_prerelease(p: &str) -> Result<(), SemverError> {
    for part in p.split('.') {
        if part.is_empty() {
            return Err(SemverError::InvalidPrerelease);
        }
        if part.bytes().all(|b| b.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(SemverError::SegmentStartsZero);
            }
        } else if !part.bytes().all(is_identifier_char) {
            return Err(SemverError::InvalidPrerelease);
        }
    }
    Ok(())
}

fn validate_metadata(m: &str) -> Result<(), SemverError> {
    if m.split('.')
        .any(|part| part.is_empty() || !part.bytes().all(is_identifier_char))
    {
        return Err(SemverError::InvalidMetadata);
    }
    Ok(())
}
