//! The UI's state: everything a frame is drawn from, and nothing else
//! (no channels, no clients), so `update` and `view` are pure functions
//! of it and testable without a terminal or a cluster.

use std::collections::BTreeMap;

use crate::cluster::Pending;
use crate::release::Status;

/// A release as `(namespace, name)`: releases of the same name may live in
/// several namespaces.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReleaseKey {
    /// The release namespace.
    pub namespace: String,
    /// The release name.
    pub name: String,
}

impl ReleaseKey {
    /// The key of `name` in `namespace`.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> ReleaseKey {
        ReleaseKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl std::fmt::Display for ReleaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// One line of the releases list: the newest revision of a release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Which release.
    pub key: ReleaseKey,
    /// The newest revision.
    pub revision: i64,
    /// Its status.
    pub status: Status,
    /// The chart's name.
    pub chart_name: String,
    /// The chart's version.
    pub chart_version: String,
    /// The chart's app version.
    pub app_version: String,
    /// When the revision was deployed, as shown (`2026-01-02 10:04`).
    pub updated: String,
    /// The same as Unix seconds, for sorting.
    pub updated_unix: i64,
    /// Why the release looks stuck, when it does.
    pub stuck: Option<String>,
}

impl Row {
    /// `name-version`, as helm's CHART column.
    pub fn chart(&self) -> String {
        if self.chart_version.is_empty() {
            self.chart_name.clone()
        } else {
            format!("{}-{}", self.chart_name, self.chart_version)
        }
    }
}

/// Something being loaded in the background.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Loadable<T> {
    /// Not there yet.
    #[default]
    Loading,
    /// Loaded.
    Ready(T),
    /// Could not be loaded: why.
    Failed(String),
}

impl<T> Loadable<T> {
    /// The value, when loaded.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loadable::Ready(v) => Some(v),
            _ => None,
        }
    }
}

/// The status filter of the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Every status.
    #[default]
    All,
    /// `deployed`.
    Deployed,
    /// `failed`.
    Failed,
    /// `pending-*` and `uninstalling`.
    Pending,
    /// `superseded`.
    Superseded,
    /// `uninstalled`.
    Uninstalled,
}

impl StatusFilter {
    /// The cycle order of the `s` key.
    pub const CYCLE: [StatusFilter; 6] = [
        StatusFilter::All,
        StatusFilter::Deployed,
        StatusFilter::Failed,
        StatusFilter::Pending,
        StatusFilter::Superseded,
        StatusFilter::Uninstalled,
    ];

    /// Whether a release with `status` passes.
    pub fn admits(self, status: &Status) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Deployed => *status == Status::Deployed,
            StatusFilter::Failed => *status == Status::Failed,
            StatusFilter::Pending => status.is_transitional(),
            StatusFilter::Superseded => *status == Status::Superseded,
            StatusFilter::Uninstalled => *status == Status::Uninstalled,
        }
    }

    /// The next filter in the cycle.
    pub fn next(self) -> StatusFilter {
        let i = Self::CYCLE.iter().position(|s| *s == self).unwrap_or(0);
        Self::CYCLE[(i + 1) % Self::CYCLE.len()]
    }

    /// The name shown, also accepted by `:status NAME`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::All => "all",
            StatusFilter::Deployed => "deployed",
            StatusFilter::Failed => "failed",
            StatusFilter::Pending => "pending",
            StatusFilter::Superseded => "superseded",
            StatusFilter::Uninstalled => "uninstalled",
        }
    }

    /// The filter named `s`.
    pub fn parse(s: &str) -> Option<StatusFilter> {
        Self::CYCLE.into_iter().find(|f| f.as_str() == s)
    }
}

/// The column the list is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Name, then namespace.
    #[default]
    Name,
    /// Namespace, then name.
    Namespace,
    /// Status.
    Status,
    /// Last update, newest first.
    Updated,
    /// Chart name and version.
    Chart,
}

impl SortKey {
    /// The column's header.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Name => "NAME",
            SortKey::Namespace => "NAMESPACE",
            SortKey::Status => "STATUS",
            SortKey::Updated => "UPDATED",
            SortKey::Chart => "CHART",
        }
    }
}

/// The list's filters.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Filters {
    /// One namespace, or all with `None`.
    pub namespace: Option<String>,
    /// The status filter.
    pub status: StatusFilter,
    /// A case-insensitive search over name and chart.
    pub search: String,
}

impl Filters {
    /// Whether `row` passes every filter.
    pub fn admits(&self, row: &Row) -> bool {
        if let Some(ns) = &self.namespace
            && row.key.namespace != *ns
        {
            return false;
        }
        if !self.status.admits(&row.status) {
            return false;
        }
        if self.search.is_empty() {
            return true;
        }
        let needle = self.search.to_lowercase();
        row.key.name.to_lowercase().contains(&needle)
            || row.chart().to_lowercase().contains(&needle)
    }

    /// True when nothing is filtered.
    pub fn is_clear(&self) -> bool {
        self.namespace.is_none() && self.status == StatusFilter::All && self.search.is_empty()
    }
}

/// The tabs of the details screen, in order (number keys 1–6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tab {
    /// Status, chart, versions, times, description, notes.
    #[default]
    Info,
    /// The rendered manifest.
    Manifest,
    /// User-supplied or computed values.
    Values,
    /// The revisions.
    History,
    /// The hooks.
    Hooks,
    /// The live objects with their kstatus.
    Resources,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 6] = [
        Tab::Info,
        Tab::Manifest,
        Tab::Values,
        Tab::History,
        Tab::Hooks,
        Tab::Resources,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Info => "Info",
            Tab::Manifest => "Manifest",
            Tab::Values => "Values",
            Tab::History => "History",
            Tab::Hooks => "Hooks",
            Tab::Resources => "Resources",
        }
    }

    /// Its position.
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// What the details screen shows of one revision.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ContentView {
    /// `(label, value)` lines of the Info tab.
    pub info: Vec<(String, String)>,
    /// The notes.
    pub notes: String,
    /// The manifest.
    pub manifest: String,
    /// The user-supplied values as YAML (`get values`).
    pub values_user: String,
    /// The computed values as YAML (`get values --all`).
    pub values_computed: String,
    /// The hooks (`get hooks`).
    pub hooks: String,
    /// The chart's name (for the upgrade modal).
    pub chart_name: String,
    /// The chart's version.
    pub chart_version: String,
    /// The revision shown.
    pub revision: i64,
}

/// One revision in the History tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    /// The revision.
    pub revision: i64,
    /// When it was deployed.
    pub updated: String,
    /// Its status.
    pub status: Status,
    /// `name-version` of its chart.
    pub chart: String,
    /// The app version.
    pub app_version: String,
    /// The description.
    pub description: String,
}

/// One live object in the Resources tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRow {
    /// `Kind/name`.
    pub resource: String,
    /// Its namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// kstatus (`Current`, `InProgress`, ...).
    pub status: String,
    /// kstatus's message.
    pub message: String,
}

/// The details screen of one release.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Details {
    /// Which release.
    pub key: ReleaseKey,
    /// The tab shown.
    pub tab: Tab,
    /// Info, Manifest, Values and Hooks come from one record read.
    pub content: Loadable<ContentView>,
    /// The History tab.
    pub history: Loadable<Vec<HistoryRow>>,
    /// The Resources tab.
    pub resources: Loadable<Vec<ResourceRow>>,
    /// Values tab: computed values rather than the user-supplied ones.
    pub values_computed: bool,
    /// First line shown in a text tab.
    pub scroll: usize,
    /// The selected revision in the History tab (index into `history`).
    pub history_selected: usize,
    /// The search in the text of the tab, if any.
    pub search: String,
}

/// What the rollback confirmation names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollbackModal {
    /// The release.
    pub key: ReleaseKey,
    /// Its newest revision.
    pub current: i64,
    /// The revision to go back to.
    pub target: i64,
    /// The target revision's chart.
    pub target_chart: String,
    /// The diff, once asked for (`d`).
    pub diff: Option<Loadable<String>>,
    /// First line of the diff shown.
    pub scroll: usize,
}

/// The uninstall confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UninstallModal {
    /// The release.
    pub key: ReleaseKey,
    /// Its chart.
    pub chart: String,
    /// `--keep-history`.
    pub keep_history: bool,
}

/// The recover confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoverModal {
    /// The release.
    pub key: ReleaseKey,
    /// Its status.
    pub status: Status,
    /// Why it looks stuck, if it does.
    pub stuck: Option<String>,
    /// `--rollback`.
    pub rollback: bool,
}

/// The versions an upgrade can go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versions {
    /// Where they come from, as shown (the repository's name, or the
    /// `oci://` reference).
    pub source: String,
    /// The chart reference that fetches them (`repo/chart`, `oci://...`).
    pub reference: String,
    /// Newest first.
    pub versions: Vec<String>,
}

/// The diffs an upgrade would make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradeDiff {
    /// The values diff (old user values → new).
    pub values: String,
    /// The manifest diff.
    pub manifest: String,
}

/// The upgrade modal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradeModal {
    /// The release.
    pub key: ReleaseKey,
    /// The installed chart's name.
    pub chart: String,
    /// The installed chart's version.
    pub current: String,
    /// The versions from the chart's source.
    pub versions: Loadable<Versions>,
    /// The chosen version (index into `versions`).
    pub selected: usize,
    /// `--reuse-values` (on by default).
    pub reuse_values: bool,
    /// Custom values (YAML), edited in `$EDITOR`; empty for none.
    pub values: String,
    /// The diffs, once the plan was asked for: shown before confirming.
    pub diff: Option<Loadable<UpgradeDiff>>,
    /// First line of the diff shown.
    pub scroll: usize,
}

impl UpgradeModal {
    /// The chosen version, if the versions are loaded.
    pub fn chosen(&self) -> Option<&str> {
        self.versions
            .ready()
            .and_then(|v| v.versions.get(self.selected))
            .map(String::as_str)
    }
}

/// A modal over the screen; keys go to it first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modal {
    /// The key map.
    Help,
    /// Rollback confirmation.
    Rollback(RollbackModal),
    /// Uninstall confirmation.
    Uninstall(UninstallModal),
    /// Upgrade.
    Upgrade(Box<UpgradeModal>),
    /// Recover confirmation.
    Recover(RecoverModal),
}

/// What the keyboard is typing into.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Input {
    /// Keys are commands.
    #[default]
    Normal,
    /// `/`: a search.
    Search(String),
    /// `:`: a command line (`ns NAME`, `ns all`, `status NAME`, `q`).
    Command(String),
}

/// The kind of a running operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// Rollback.
    Rollback,
    /// Uninstall.
    Uninstall,
    /// Upgrade.
    Upgrade,
    /// Recover.
    Recover,
}

impl OpKind {
    /// The verb shown.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Rollback => "rollback",
            OpKind::Uninstall => "uninstall",
            OpKind::Upgrade => "upgrade",
            OpKind::Recover => "recover",
        }
    }
}

/// An operation running in the background.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// Its id, for the messages about it.
    pub id: u64,
    /// Which release.
    pub key: ReleaseKey,
    /// What it does.
    pub kind: OpKind,
    /// The last status written for the release (`pending-upgrade`, ...),
    /// or the phase the UI knows.
    pub phase: String,
    /// What a wait still awaits, and why.
    pub pending: Vec<Pending>,
    /// The last lines of hook output.
    pub hook_output: Vec<String>,
}

/// How a notification looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Something went well.
    Success,
    /// For information.
    Info,
    /// Something failed.
    Error,
}

/// A message at the bottom of the screen, gone after a while.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// How it looks.
    pub level: Level,
    /// The text.
    pub text: String,
    /// The model clock (seconds) at which it goes.
    pub until: u64,
}

/// The screen under any modal.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Screen {
    /// The releases list.
    #[default]
    List,
    /// One release's details.
    Details(Box<Details>),
}

/// What a mouse click landed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    /// A row of the releases list.
    Row {
        /// Its index among the rows the filters let through.
        index: usize,
        /// The first row the list showed (kept on selecting, so the list
        /// does not move under the pointer).
        first: usize,
    },
    /// A title of the details' tab bar.
    Tab(Tab),
    /// A row of the History tab, by its index (oldest first).
    Revision(usize),
    /// Anything else.
    Nothing,
}

/// The last click, to tell a double click.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Click {
    /// Where it landed.
    pub hit: Hit,
    /// When.
    pub at: std::time::Instant,
}

/// Everything the UI shows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Model {
    /// The newest revision of each release, as the watch reports it.
    pub releases: BTreeMap<ReleaseKey, Row>,
    /// Whether the first listing arrived.
    pub synced: bool,
    /// The newest chart version available, by release (from the
    /// background availability check).
    pub upgrades: BTreeMap<ReleaseKey, String>,
    /// The list's filters.
    pub filters: Filters,
    /// The sort column.
    pub sort: SortKey,
    /// Reverse the sort.
    pub reverse: bool,
    /// The selected row of the (filtered) list.
    pub selected: usize,
    /// The screen under the modal.
    pub screen: Screen,
    /// A modal over it, if any.
    pub modal: Option<Modal>,
    /// What the keyboard types into.
    pub input: Input,
    /// Running operations.
    pub operations: Vec<Operation>,
    /// Notifications, oldest first.
    pub notifications: Vec<Notification>,
    /// Seconds since the UI started (advanced by ticks).
    pub clock: u64,
    /// `--read-only`: every mutating key is hidden and ignored.
    pub read_only: bool,
    /// Colours on (off under `NO_COLOR`).
    pub color: bool,
    /// What the header names: the kube context.
    pub context: String,
    /// The namespace scope the UI was started with (`None`: `-A`).
    pub scope: Option<String>,
    /// The id of the next operation.
    pub next_op: u64,
    /// The watch's last error, shown until the watch recovers.
    pub watch_error: Option<String>,
    /// Set once the user asked to quit.
    pub quit: bool,
    /// The last mouse click (a second one on the same row soon after
    /// opens it).
    pub last_click: Option<Click>,
    /// Where the list's window starts before it follows the selection
    /// (set by a click, so the clicked row stays where it was).
    pub list_offset: usize,
}

impl Model {
    /// An empty model.
    pub fn new(context: &str, scope: Option<String>, read_only: bool, color: bool) -> Model {
        Model {
            context: context.to_string(),
            filters: Filters {
                namespace: scope.clone(),
                ..Filters::default()
            },
            scope,
            read_only,
            color,
            next_op: 1,
            ..Model::default()
        }
    }

    /// The rows that pass the filters, sorted.
    pub fn visible(&self) -> Vec<&Row> {
        let mut rows: Vec<&Row> = self
            .releases
            .values()
            .filter(|r| self.filters.admits(r))
            .collect();
        rows.sort_by(|a, b| {
            let by_name = || {
                a.key
                    .name
                    .cmp(&b.key.name)
                    .then(a.key.namespace.cmp(&b.key.namespace))
            };
            let o = match self.sort {
                SortKey::Name => by_name(),
                SortKey::Namespace => a
                    .key
                    .namespace
                    .cmp(&b.key.namespace)
                    .then(a.key.name.cmp(&b.key.name)),
                SortKey::Status => a.status.as_str().cmp(b.status.as_str()).then_with(by_name),
                SortKey::Updated => b.updated_unix.cmp(&a.updated_unix).then_with(by_name),
                SortKey::Chart => a.chart().cmp(&b.chart()).then_with(by_name),
            };
            if self.reverse { o.reverse() } else { o }
        });
        rows
    }

    /// The selected row, if the list is not empty.
    pub fn selected_row(&self) -> Option<&Row> {
        let rows = self.visible();
        rows.get(self.selected.min(rows.len().saturating_sub(1)))
            .copied()
    }

    /// The running operation on `key`, if any.
    pub fn operation_on(&self, key: &ReleaseKey) -> Option<&Operation> {
        self.operations.iter().find(|o| o.key == *key)
    }

    /// Adds a notification shown for `secs` seconds.
    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        let secs = match level {
            Level::Error => 20,
            _ => 8,
        };
        self.notifications.push(Notification {
            level,
            text: text.into(),
            until: self.clock + secs,
        });
        // Only the newest few are shown; older ones would never be seen.
        if self.notifications.len() > 3 {
            self.notifications.remove(0);
        }
    }
}
