//! `list`: the newest revision of every release, filtered and sorted as
//! helm does.

use regex::Regex;

use crate::release::Status;
use crate::storage::labels::Selector;
use crate::storage::{CorruptRecord, Driver, Record, Scope, Storage};

use super::ActionError;

/// Which statuses to show (Helm's `ListStates` bitmask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateMask(u32);

impl StateMask {
    /// `deployed`
    pub const DEPLOYED: StateMask = StateMask(1);
    /// `uninstalled`
    pub const UNINSTALLED: StateMask = StateMask(1 << 1);
    /// `uninstalling`
    pub const UNINSTALLING: StateMask = StateMask(1 << 2);
    /// `pending-install`
    pub const PENDING_INSTALL: StateMask = StateMask(1 << 3);
    /// `pending-upgrade`
    pub const PENDING_UPGRADE: StateMask = StateMask(1 << 4);
    /// `pending-rollback`
    pub const PENDING_ROLLBACK: StateMask = StateMask(1 << 5);
    /// `superseded`
    pub const SUPERSEDED: StateMask = StateMask(1 << 6);
    /// `failed`
    pub const FAILED: StateMask = StateMask(1 << 7);
    /// Any status Helm does not know (never part of [`StateMask::ALL`]).
    pub const UNKNOWN: StateMask = StateMask(1 << 8);
    /// The three pending states.
    pub const PENDING: StateMask = StateMask((1 << 3) | (1 << 4) | (1 << 5));
    /// Every known state except `unknown`.
    pub const ALL: StateMask = StateMask(0xff);
    /// Nothing.
    pub const NONE: StateMask = StateMask(0);

    /// The bit for a status.
    pub fn of(status: &Status) -> StateMask {
        match status {
            Status::Deployed => StateMask::DEPLOYED,
            Status::Uninstalled => StateMask::UNINSTALLED,
            Status::Uninstalling => StateMask::UNINSTALLING,
            Status::PendingInstall => StateMask::PENDING_INSTALL,
            Status::PendingUpgrade => StateMask::PENDING_UPGRADE,
            Status::PendingRollback => StateMask::PENDING_ROLLBACK,
            Status::Superseded => StateMask::SUPERSEDED,
            Status::Failed => StateMask::FAILED,
            Status::Unknown | Status::Other(_) => StateMask::UNKNOWN,
        }
    }

    /// True if `status` is selected.
    pub fn contains(self, status: &Status) -> bool {
        self.0 & StateMask::of(status).0 != 0
    }

    /// True if nothing is selected.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for StateMask {
    type Output = StateMask;
    fn bitor(self, rhs: StateMask) -> StateMask {
        StateMask(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for StateMask {
    fn bitor_assign(&mut self, rhs: StateMask) {
        self.0 |= rhs.0;
    }
}

/// How to sort.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    /// By name (the default).
    #[default]
    Name,
    /// By last deployment time, oldest first (`--date`).
    Date,
}

/// The options of `list`.
#[derive(Clone, Debug)]
pub struct ListOptions {
    /// Every namespace (`-A`).
    pub all_namespaces: bool,
    /// The statuses to show.
    pub states: StateMask,
    /// A regular expression the name must match, anywhere (`-f`).
    pub filter: Option<String>,
    /// A label selector over every object label (`-l`).
    pub selector: Option<String>,
    /// Sort key.
    pub sort: SortBy,
    /// Reverse the sort (`-r`).
    pub reverse: bool,
    /// At most this many (`-m`; 0 or less: no limit).
    pub max: i64,
    /// Skip this many first (`--offset`).
    pub offset: i64,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            all_namespaces: false,
            states: StateMask::ALL,
            filter: None,
            selector: None,
            sort: SortBy::Name,
            reverse: false,
            max: 256,
            offset: 0,
        }
    }
}

/// What `list` found.
#[derive(Debug, Default)]
pub struct ListResult {
    /// The releases to show, in order.
    pub records: Vec<Record>,
    /// Records that could not be decoded (each deserves one warning).
    pub corrupt: Vec<CorruptRecord>,
    /// Namespaces that could not be read (with `-A`).
    pub forbidden: Vec<String>,
}

/// Runs `list`.
pub async fn list<D: Driver>(
    storage: &Storage<D>,
    opts: &ListOptions,
) -> Result<ListResult, ActionError> {
    let filter = match opts.filter.as_deref().filter(|f| !f.is_empty()) {
        Some(f) => Some(
            Regex::new(f).map_err(|e| ActionError::Invalid(super::go_regexp::error_text(f, &e)))?,
        ),
        None => None,
    };
    let selector = match opts.selector.as_deref() {
        Some(s) => Selector::parse(s).map_err(|e| ActionError::Invalid(e.to_string()))?,
        None => Selector::everything(),
    };
    let scope = if opts.all_namespaces {
        Scope::All
    } else {
        Scope::Namespace(storage.namespace())
    };
    // Only "superseded" alone lists every superseded revision rather than
    // the newest revision of each release.
    let every_superseded = opts.states == StateMask::SUPERSEDED;
    let latest = storage
        .list_latest(scope, every_superseded, filter.as_ref())
        .await?;

    let mut records: Vec<Record> = latest
        .records
        .into_iter()
        .filter(|r| {
            filter
                .as_ref()
                .is_none_or(|re| re.is_match(&r.release.name))
        })
        .filter(|r| opts.states.contains(&r.release.info.status))
        .filter(|r| selector.matches(&r.meta.labels))
        .collect();

    // Helm's sorts are not stable and leave ties in map order; break them
    // by namespace so rudder's output is at least deterministic.
    match opts.sort {
        SortBy::Name => records.sort_by(|a, b| {
            (a.release.name.as_str(), a.release.namespace.as_str())
                .cmp(&(b.release.name.as_str(), b.release.namespace.as_str()))
        }),
        SortBy::Date => records.sort_by(|a, b| {
            let ta = a
                .release
                .info
                .last_deployed
                .map_or(i64::MIN, |t| t.timestamp().as_second());
            let tb = b
                .release
                .info
                .last_deployed
                .map_or(i64::MIN, |t| t.timestamp().as_second());
            (ta, a.release.name.as_str(), a.release.namespace.as_str()).cmp(&(
                tb,
                b.release.name.as_str(),
                b.release.namespace.as_str(),
            ))
        }),
    }
    if opts.reverse {
        records.reverse();
    }

    let offset = usize::try_from(opts.offset.max(0)).unwrap_or(usize::MAX);
    let records = if offset >= records.len() {
        Vec::new()
    } else {
        let take = if opts.max > 0 {
            usize::try_from(opts.max).unwrap_or(usize::MAX)
        } else {
            usize::MAX
        };
        records.into_iter().skip(offset).take(take).collect()
    };
    Ok(ListResult {
        records,
        corrupt: latest.corrupt,
        forbidden: latest.forbidden,
    })
}
