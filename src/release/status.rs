//! Release status strings, as Helm stores them in the record and in the
//! `status` label.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The status of one release revision.
///
/// Unknown strings are kept verbatim (`Other`) rather than rejected, so a
/// record written by a newer Helm still decodes and is written back as it
/// was.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// `unknown`: the in-memory initial status; Helm never lists it.
    Unknown,
    /// `deployed`
    Deployed,
    /// `uninstalled`
    Uninstalled,
    /// `superseded`
    Superseded,
    /// `failed`
    Failed,
    /// `uninstalling`
    Uninstalling,
    /// `pending-install`
    PendingInstall,
    /// `pending-upgrade`
    PendingUpgrade,
    /// `pending-rollback`
    PendingRollback,
    /// A status string this version does not know.
    Other(String),
}

impl Status {
    /// Every status Helm defines, in the order of its source.
    pub const KNOWN: [Status; 9] = [
        Status::Unknown,
        Status::Deployed,
        Status::Uninstalled,
        Status::Superseded,
        Status::Failed,
        Status::Uninstalling,
        Status::PendingInstall,
        Status::PendingUpgrade,
        Status::PendingRollback,
    ];

    /// The string Helm stores.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
            Status::Other(s) => s,
        }
    }

    /// Parses a stored status string; never fails.
    pub fn parse(s: &str) -> Status {
        Status::KNOWN
            .iter()
            .find(|k| k.as_str() == s)
            .cloned()
            .unwrap_or_else(|| Status::Other(s.to_string()))
    }

    /// True for the three `pending-*` statuses (Helm's `IsPending`).
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }

    /// True when an operation is (or was, if it died) in flight: the
    /// `pending-*` statuses and `uninstalling`.
    pub fn is_transitional(&self) -> bool {
        self.is_pending() || *self == Status::Uninstalling
    }
}

/// Go's zero value: the empty string, which is what a record without a
/// status decodes to (and is written back as: nothing).
impl Default for Status {
    fn default() -> Status {
        Status::Other(String::new())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Status::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_known_status_and_keeps_unknown_ones() {
        for s in Status::KNOWN {
            assert_eq!(Status::parse(s.as_str()), s);
        }
        assert_eq!(Status::parse("paused").as_str(), "paused");
        assert!(Status::PendingRollback.is_pending());
        assert!(!Status::Uninstalling.is_pending());
        assert!(Status::Uninstalling.is_transitional());
    }
}
