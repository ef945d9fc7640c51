//! Version constraints: Masterminds' `NewConstraint` and `Check`.

use super::SemverError;
use super::version::{Version, compare_prerelease};
use regex::{Captures, Regex};
use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

/// Longest constraint text accepted, in bytes.
const MAX_CONSTRAINT_LEN: usize = 512;
/// Most `||` groups accepted.
const MAX_CONSTRAINT_GROUPS: usize = 32;

/// Go's `\s` (ASCII whitespace without `\v`); Rust's `\s` is Unicode.
macro_rules! ws {
    () => {
        r"[\t\n\f\r ]"
    };
}

/// The operators, in the grammar's order: Go's leftmost-first alternation
/// (the empty operator comes second) decides which one a text like `>=`
/// is split into, and Rust's regex engine has the same preference rules.
macro_rules! ops {
    () => {
        r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
    };
}

/// A version in a constraint: `x`, `X` and `*` allowed in the numbers
/// (and `|` too, as in the original character classes).
macro_rules! cv {
    () => {
        concat!(
            r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?",
            r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?",
            r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
        )
    };
}

/// One comparison: an operator, optional spaces, a version.
macro_rules! op_clause {
    () => {
        concat!("(", ops!(), ")", ws!(), "*(", cv!(), ")")
    };
}

static CONSTRAINT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(concat!("^", ws!(), "*", op_clause!(), ws!(), "*$")).ok());

static RANGE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        ws!(),
        "*(",
        cv!(),
        ")",
        ws!(),
        "+-",
        ws!(),
        "+(",
        cv!(),
        ")",
        ws!(),
        "*"
    ))
    .ok()
});

static FIND: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(op_clause!()).ok());

static VALID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        "^(",
        ws!(),
        "*",
        op_clause!(),
        ws!(),
        "*)((?:",
        ws!(),
        "+|,",
        ws!(),
        "*)",
        op_clause!(),
        ws!(),
        "*)*$"
    ))
    .ok()
});

/// A comparison operator as written (`=>` and `=<` are kept apart from
/// `>=` and `<=` so that the constraint prints back as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    None,
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    GeAlt,
    Le,
    LeAlt,
    Tilde,
    TildeGt,
    Caret,
}

impl Op {
    fn from_str(s: &str) -> Option<Op> {
        Some(match s {
            "" => Op::None,
            "=" => Op::Eq,
            "!=" => Op::Ne,
            ">" => Op::Gt,
            "<" => Op::Lt,
            ">=" => Op::Ge,
            "=>" => Op::GeAlt,
            "<=" => Op::Le,
            "=<" => Op::LeAlt,
            "~" => Op::Tilde,
            "~>" => Op::TildeGt,
            "^" => Op::Caret,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Op::None => "",
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::GeAlt => "=>",
            Op::Le => "<=",
            Op::LeAlt => "=<",
            Op::Tilde => "~",
            Op::TildeGt => "~>",
            Op::Caret => "^",
        }
    }
}

/// One comparison of an AND group.
#[derive(Debug, Clone)]
struct Constraint {
    /// The version compared with (x-ranges filled with zeros, metadata
    /// dropped when the version was partial).
    con: Version,
    /// The version text as written.
    orig: String,
    op: Op,
    /// `x` in the major number (or a bare `x`): any version.
    dirty: bool,
    /// The minor number was missing or `x`.
    minor_dirty: bool,
    /// The patch number was missing or `x`.
    patch_dirty: bool,
}

/// A parsed constraint: `||`-separated groups of comparisons that must all
/// hold.
///
/// As in Helm, a prerelease version satisfies a group only when the group
/// mentions a prerelease somewhere (any X.Y.Z) or prereleases are included
/// for the whole constraint ([`Constraints::with_include_prerelease`]).
#[derive(Debug, Clone)]
pub struct Constraints {
    groups: Vec<Vec<Constraint>>,
    contains_pre: Vec<bool>,
    include_prerelease: bool,
}

impl Constraints {
    /// Parses a constraint as Masterminds' `NewConstraint`.
    pub fn parse(c: &str) -> Result<Constraints, SemverError> {
        if c.len() > MAX_CONSTRAINT_LEN {
            return Err(SemverError::ConstraintTooLong);
        }
        let c = rewrite_range(c)?;
        let ors: Vec<&str> = c.split("||").collect();
        if ors.len() > MAX_CONSTRAINT_GROUPS {
            return Err(SemverError::TooManyConstraintGroups);
        }
        let (Some(valid), Some(find)) = (VALID.as_ref(), FIND.as_ref()) else {
            return Err(SemverError::ConstraintParser);
        };
        let mut groups = Vec::with_capacity(ors.len());
        let mut contains_pre = Vec::with_capacity(ors.len());
        for group in ors {
            if !valid.is_match(group) {
                return Err(SemverError::ImproperConstraint(group.to_owned()));
            }
            let mut parts: Vec<&str> = find.find_iter(group).map(|m| m.as_str()).collect();
            if parts.is_empty() {
                parts.push(group);
            }
            let mut parsed = Vec::with_capacity(parts.len());
            let mut has_pre = false;
            for part in parts {
                let pc = parse_constraint(part)?;
                has_pre |= pc.con.is_prerelease();
                parsed.push(pc);
            }
            groups.push(parsed);
            contains_pre.push(has_pre);
        }
        Ok(Constraints {
            groups,
            contains_pre,
            include_prerelease: false,
        })
    }

    /// The same constraint, admitting prereleases in every group or not
    /// (Masterminds' `IncludePrerelease`).
    pub fn with_include_prerelease(mut self, include: bool) -> Constraints {
        self.include_prerelease = include;
        self
    }

    /// Whether prereleases are admitted in every group.
    pub fn include_prerelease(&self) -> bool {
        self.include_prerelease
    }

    /// Whether `v` satisfies the constraint (Masterminds' `Check`).
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .zip(&self.contains_pre)
            .any(|(group, pre)| {
                let include_pre = self.include_prerelease || *pre;
                group.iter().all(|c| c.check(v, include_pre))
            })
    }
}

impl fmt::Display for Constraints {
    /// Masterminds' `String()`: each comparison as written, AND groups
    /// space-separated, ` || ` between groups.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.groups.iter().enumerate() {
            if i > 0 {
                f.write_str(" || ")?;
            }
            for (j, c) in group.iter().enumerate() {
                if j > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{}{}", c.op.as_str(), c.orig)?;
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for Constraints {
    type Err = SemverError;

    fn from_str(s: &str) -> Result<Constraints, SemverError> {
        Constraints::parse(s)
    }
}

/// Rewrites each hyphen range `A - B` into `>= A, <= B `, replacing the
/// first occurrence of the matched text each time, as the original does.
fn rewrite_range(input: &str) -> Result<String, SemverError> {
    let re = RANGE.as_ref().ok_or(SemverError::ConstraintParser)?;
    let matches: Vec<(String, String, String)> = re
        .captures_iter(input)
        .map(|caps| (group(&caps, 0), group(&caps, 1), group(&caps, 11)))
        .collect();
    let mut out = input.to_owned();
    for (whole, from, to) in matches {
        out = out.replacen(&whole, &format!(">= {from}, <= {to} "), 1);
    }
    Ok(out)
}

fn group(caps: &Captures<'_>, i: usize) -> String {
    caps.get(i).map_or("", |m| m.as_str()).to_owned()
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_constraint(c: &str) -> Result<Constraint, SemverError> {
    if c.is_empty() {
        // An empty constraint is `>=0.0.0`-like: any release.
        return Ok(Constraint {
            con: Version::new(0, 0, 0, "", ""),
            orig: String::new(),
            op: Op::None,
            dirty: true,
            minor_dirty: false,
            patch_dirty: false,
        });
    }
    let re = CONSTRAINT.as_ref().ok_or(SemverError::ConstraintParser)?;
    let caps = re
        .captures(c)
        .ok_or_else(|| SemverError::ImproperConstraint(c.to_owned()))?;
    let op = Op::from_str(&group(&caps, 1)).ok_or(SemverError::ConstraintParser)?;
    let orig = group(&caps, 2);
    let (major, minor, patch, pre) = (
        group(&caps, 3),
        group(&caps, 4),
        group(&caps, 5),
        group(&caps, 6),
    );
    let mut ver = orig.clone();
    let (mut dirty, mut minor_dirty, mut patch_dirty) = (false, false, false);
    if is_x(&major) || major.is_empty() {
        ver = format!("0.0.0{pre}");
        dirty = true;
    } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
        minor_dirty = true;
        dirty = true;
        ver = format!("{major}.0.0{pre}");
    } else if is_x(patch.trim_start_matches('.')) || patch.is_empty() {
        dirty = true;
        patch_dirty = true;
        ver = format!("{major}{minor}.0{pre}");
    }
    let con = Version::parse(&ver).map_err(|_| SemverError::ConstraintParser)?;
    Ok(Constraint {
        con,
        orig,
        op,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if v.is_prerelease() && !include_pre {
            return false;
        }
        match self.op {
            Op::None | Op::Eq => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v == &self.con
                }
            }
            Op::Ne => self.not_equal(v),
            Op::Gt => self.greater_than(v),
            Op::Lt => v.compare(&self.con) == Ordering::Less,
            Op::Ge | Op::GeAlt => v.compare(&self.con) != Ordering::Less,
            Op::Le | Op::LeAlt => self.less_than_equal(v),
            Op::Tilde | Op::TildeGt => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if c.major() != v.major() {
                return true;
            }
            if c.minor() != v.minor() && !self.minor_dirty {
                return true;
            } else if self.minor_dirty {
                return false;
            } else if c.patch() != v.patch() && !self.patch_dirty {
                return true;
            } else if self.patch_dirty {
                if v.is_prerelease() || c.is_prerelease() {
                    return compare_prerelease(v.prerelease(), c.prerelease()) != Ordering::Equal;
                }
                return false;
            }
        }
        v != c
    }

    fn greater_than(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v.compare(c) == Ordering::Greater;
        }
        if v.major() > c.major() {
            true
        } else if v.major() < c.major() || self.minor_dirty {
            // `>11` needs 12 or more, so 11.1.0 does not pass.
            false
        } else if self.patch_dirty {
            // `>11.1` needs 11.2 or more.
            v.minor() > c.minor()
        } else {
            v.compare(c) == Ordering::Greater
        }
    }

    fn less_than_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v.compare(c) != Ordering::Greater;
        }
        // `<=1.2` admits every 1.2.z.
        !(v.major() > c.major()
            || (v.major() == c.major() && v.minor() > c.minor() && !self.minor_dirty))
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        // `~0.0.0` admits everything.
        if c.major() == 0
            && c.minor() == 0
            && c.patch() == 0
            && !self.minor_dirty
            && !self.patch_dirty
        {
            return true;
        }
        v.major() == c.major() && (v.minor() == c.minor() || self.minor_dirty)
    }

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        if c.major() > 0 || self.minor_dirty {
            return v.major() == c.major();
        }
        if v.major() > 0 {
            return false;
        }
        if c.minor() > 0 || self.patch_dirty {
            return v.minor() == c.minor();
        }
        if v.minor() > 0 {
            return false;
        }
        c.patch() == v.patch()
    }
}
