//! `update`: keys and background results in, state and commands out.

use crossterm::event::KeyCode;

use super::fixtures::*;
use crate::cluster::{Event, Pending};
use crate::release::Status;
use crate::tui::model::{
    Input, Level, Loadable, Modal, Model, ReleaseKey, Screen, SortKey, StatusFilter, Tab, Versions,
};
use crate::tui::msg::{Command, Msg, UpgradeRequest};
use crate::tui::update::update;

fn names(m: &Model) -> Vec<String> {
    m.visible().iter().map(|r| r.key.name.clone()).collect()
}

#[test]
fn list_moves_and_clamps() {
    let mut m = model();
    assert_eq!(names(&m), ["api", "cache", "db", "queue", "web"]);
    update(&mut m, key('j'));
    update(&mut m, code(KeyCode::Down));
    assert_eq!(m.selected_row().unwrap().key.name, "db");
    update(&mut m, key('G'));
    update(&mut m, key('j'));
    assert_eq!(m.selected, 4);
    update(&mut m, key('k'));
    update(&mut m, code(KeyCode::Up));
    assert_eq!(m.selected, 2);
    update(&mut m, key('g'));
    assert_eq!(m.selected, 0);
}

#[test]
fn search_narrows_as_typed_and_esc_clears_it() {
    let mut m = model();
    update(&mut m, key('/'));
    assert_eq!(m.input, Input::Search(String::new()));
    type_keys(&mut m, "RED");
    // Over name and chart, case-insensitively: cache's chart is redis.
    assert_eq!(names(&m), ["cache"]);
    update(&mut m, code(KeyCode::Backspace));
    update(&mut m, code(KeyCode::Backspace));
    assert_eq!(
        names(&m),
        ["cache", "db", "queue"],
        "charts redis, postgresql, rabbitmq"
    );
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.input, Input::Normal);
    assert_eq!(m.filters.search, "R");
    update(&mut m, code(KeyCode::Esc));
    assert!(m.filters.search.is_empty());
    assert_eq!(names(&m).len(), 5);
}

#[test]
fn namespace_and_status_filters_and_clear() {
    let mut m = model();
    update(&mut m, key(':'));
    type_keys(&mut m, "ns team-b");
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.filters.namespace.as_deref(), Some("team-b"));
    assert_eq!(names(&m), ["cache", "db"]);
    update(&mut m, key(':'));
    type_keys(&mut m, "ns all");
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.filters.namespace, None);
    // `s` cycles: deployed, failed, pending (pending-* and uninstalling).
    update(&mut m, key('s'));
    assert_eq!(names(&m), ["web"]);
    update(&mut m, key('s'));
    assert_eq!(names(&m), ["api"]);
    update(&mut m, key('s'));
    assert_eq!(m.filters.status, StatusFilter::Pending);
    assert_eq!(names(&m), ["db", "queue"]);
    update(&mut m, key(':'));
    type_keys(&mut m, "status uninstalled");
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(names(&m), ["cache"]);
    update(&mut m, key('/'));
    type_keys(&mut m, "zzz");
    update(&mut m, code(KeyCode::Enter));
    assert!(names(&m).is_empty());
    update(&mut m, key('c'));
    assert!(m.filters.is_clear());
    assert_eq!(names(&m).len(), 5);
}

#[test]
fn unknown_command_line_says_so() {
    let mut m = model();
    update(&mut m, key(':'));
    type_keys(&mut m, "frobnicate");
    update(&mut m, code(KeyCode::Enter));
    let n = m.notifications.last().unwrap();
    assert_eq!(n.level, Level::Error);
    assert_eq!(n.text, "unknown command \"frobnicate\"");
}

#[test]
fn sort_keys_choose_a_column_and_repeat_reverses() {
    let mut m = model();
    update(&mut m, key('A'));
    assert_eq!(m.sort, SortKey::Updated);
    assert_eq!(
        names(&m),
        ["queue", "api", "web", "db", "cache"],
        "newest first"
    );
    update(&mut m, key('A'));
    assert_eq!(names(&m), ["cache", "db", "web", "api", "queue"]);
    update(&mut m, key('N'));
    assert!(!m.reverse);
    update(&mut m, key('N'));
    assert_eq!(names(&m), ["web", "queue", "db", "cache", "api"]);
    update(&mut m, key('M'));
    assert_eq!(names(&m), ["api", "web", "cache", "db", "queue"]);
    update(&mut m, key('S'));
    assert_eq!(
        names(&m)[0],
        "web",
        "deployed < failed < pending-* < uninstalled"
    );
    update(&mut m, key('C'));
    assert_eq!(names(&m)[0], "api");
}

#[test]
fn enter_opens_details_and_loads_every_tab_at_once() {
    let mut m = model();
    update(&mut m, key('G'));
    let cmds = update(&mut m, code(KeyCode::Enter));
    assert_eq!(
        cmds,
        [Command::LoadDetails(web()), Command::LoadResources(web())]
    );
    let d = details(&m);
    assert_eq!(d.key, web());
    assert_eq!(d.tab, Tab::Info);
    assert_eq!(d.content, Loadable::Loading);
    // Results for another release are not shown here.
    update(
        &mut m,
        Msg::Content(ReleaseKey::new("team-a", "api"), Ok(content())),
    );
    assert_eq!(details(&m).content, Loadable::Loading);
    update(&mut m, Msg::Content(web(), Ok(content())));
    update(&mut m, Msg::History(web(), Ok(history())));
    update(&mut m, Msg::Resources(web(), Err("forbidden".into())));
    let d = details(&m);
    assert!(d.content.ready().is_some());
    assert_eq!(d.history_selected, 2, "the newest revision is selected");
    assert_eq!(d.resources, Loadable::Failed("forbidden".into()));
    update(&mut m, code(KeyCode::Esc));
    assert_eq!(m.screen, Screen::List);
}

#[test]
fn tabs_by_tab_key_and_number_and_resources_stay_live() {
    let mut m = details_model();
    update(&mut m, code(KeyCode::Tab));
    assert_eq!(details(&m).tab, Tab::Manifest);
    update(&mut m, code(KeyCode::BackTab));
    update(&mut m, code(KeyCode::BackTab));
    assert_eq!(details(&m).tab, Tab::Resources);
    update(&mut m, key('3'));
    assert_eq!(details(&m).tab, Tab::Values);
    let cmds = update(&mut m, key('6'));
    // Opening the tab subscribes to its objects (which reads them once).
    assert_eq!(cmds, [Command::WatchResources(web())]);
    // Ticks read nothing: the tab follows its subscription.
    let ticked: Vec<Command> = (0..10).flat_map(|_| update(&mut m, Msg::Tick)).collect();
    assert_eq!(ticked, [], "no reads on a timer");
    // A change (one message per burst) is one re-read.
    assert_eq!(
        update(&mut m, Msg::ResourcesChanged(web())),
        [Command::RefreshResources(web())]
    );
    // Its rows scroll (two live objects: the second is the last line).
    update(&mut m, key('j'));
    update(&mut m, key('j'));
    assert_eq!(details(&m).scroll, 1);
    // Leaving the tab unsubscribes; a late change message reads nothing.
    assert_eq!(update(&mut m, key('1')), [Command::UnwatchResources]);
    assert_eq!(update(&mut m, Msg::ResourcesChanged(web())), []);
    let quiet: usize = (0..10).map(|_| update(&mut m, Msg::Tick).len()).sum();
    assert_eq!(quiet, 0, "no reads when the tab is closed");
}

#[test]
fn closing_details_on_the_resources_tab_unsubscribes_and_a_new_revision_resubscribes() {
    let mut m = details_model();
    assert_eq!(update(&mut m, key('6')), [Command::WatchResources(web())]);
    // Another release's change leaves the subscription alone.
    let mut other = m
        .releases
        .values()
        .find(|r| r.key != web())
        .cloned()
        .unwrap();
    other.revision += 1;
    assert_eq!(update(&mut m, Msg::ReleaseChanged(other)), []);
    // A new revision of this one may have other objects: subscribe again.
    let mut newer = m.releases[&web()].clone();
    newer.revision += 1;
    assert_eq!(
        update(&mut m, Msg::ReleaseChanged(newer)),
        [Command::LoadDetails(web()), Command::WatchResources(web())]
    );
    assert_eq!(
        update(&mut m, code(KeyCode::Esc)),
        [Command::UnwatchResources]
    );
    assert_eq!(update(&mut m, Msg::ResourcesChanged(web())), []);
}

#[test]
fn values_toggle_between_user_and_computed() {
    let mut m = details_model();
    update(&mut m, key('3'));
    assert!(!details(&m).values_computed);
    update(&mut m, key('a'));
    assert!(details(&m).values_computed);
    update(&mut m, key('a'));
    assert!(!details(&m).values_computed);
}

#[test]
fn long_text_scrolls_and_search_jumps_between_matches() {
    let mut m = details_model();
    update(&mut m, key('2'));
    update(&mut m, code(KeyCode::PageDown));
    assert_eq!(details(&m).scroll, 10);
    update(&mut m, key('G'));
    assert_eq!(details(&m).scroll, 39);
    update(&mut m, key('j'));
    assert_eq!(details(&m).scroll, 39, "stops at the last line");
    update(&mut m, key('g'));
    update(&mut m, key('/'));
    type_keys(&mut m, "replicas");
    update(&mut m, code(KeyCode::Enter));
    // Manifest lines 10, 20, 30, 40 say replicas (index 9, 19, ...).
    assert_eq!(details(&m).scroll, 9);
    update(&mut m, key('n'));
    assert_eq!(details(&m).scroll, 19);
    update(&mut m, key('N'));
    update(&mut m, key('N'));
    assert_eq!(details(&m).scroll, 39, "wraps around");
    update(&mut m, code(KeyCode::Esc));
    assert!(details(&m).search.is_empty(), "Esc clears the search first");
    assert!(matches!(m.screen, Screen::Details(_)));
}

#[test]
fn rollback_from_history_confirms_with_diff_one_key_away() {
    let mut m = details_model();
    update(&mut m, key('4'));
    update(&mut m, key('k'));
    update(&mut m, key('k'));
    assert!(update(&mut m, key('r')).is_empty());
    let Some(Modal::Rollback(r)) = &m.modal else {
        panic!("no rollback modal: {:?}", m.modal)
    };
    assert_eq!((r.current, r.target), (3, 1));
    assert_eq!(r.target_chart, "nginx-1.2.1");
    assert_eq!(update(&mut m, key('d')), [Command::RollbackDiff(web(), 1)]);
    update(&mut m, Msg::RollbackDiff(web(), 1, Ok("- a\n+ b\n".into())));
    let Some(Modal::Rollback(r)) = &m.modal else {
        panic!()
    };
    assert_eq!(r.diff, Some(Loadable::Ready("- a\n+ b\n".into())));
    let cmds = update(&mut m, key('y'));
    assert_eq!(
        cmds,
        [Command::Rollback {
            id: 1,
            key: web(),
            revision: 1
        }]
    );
    assert!(m.modal.is_none());
    assert_eq!(m.operations.len(), 1);
}

#[test]
fn a_second_operation_on_the_same_release_is_refused_with_the_reason() {
    let mut m = details_model();
    update(&mut m, key('4'));
    update(&mut m, key('r'));
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.operations.len(), 1);
    update(&mut m, ctrl('d'));
    let cmds = update(&mut m, key('y'));
    assert!(cmds.is_empty());
    assert_eq!(m.operations.len(), 1);
    let n = m.notifications.last().unwrap();
    assert_eq!(n.level, Level::Error);
    assert_eq!(
        n.text,
        "uninstall of team-a/web refused: a rollback is already running on it"
    );
}

#[test]
fn uninstall_confirmation_with_keep_history() {
    let mut m = model();
    update(&mut m, key('G'));
    update(&mut m, ctrl('d'));
    let Some(Modal::Uninstall(u)) = &m.modal else {
        panic!()
    };
    assert_eq!(u.chart, "nginx-1.2.3");
    assert!(!u.keep_history);
    update(&mut m, key('k'));
    let cmds = update(&mut m, code(KeyCode::Enter));
    assert_eq!(
        cmds,
        [Command::Uninstall {
            id: 1,
            key: web(),
            keep_history: true
        }]
    );
    // Esc cancels without a command.
    update(&mut m, key('k'));
    update(&mut m, ctrl('d'));
    assert!(update(&mut m, code(KeyCode::Esc)).is_empty());
    assert!(m.modal.is_none());
}

fn versions() -> Versions {
    Versions {
        source: "bitnami".into(),
        reference: "bitnami/nginx".into(),
        versions: vec!["1.4.0-rc.1".into(), "1.3.0".into(), "1.2.3".into()],
    }
}

#[test]
fn upgrade_goes_through_the_diffs_before_it_starts() {
    let mut m = model();
    update(&mut m, key('G'));
    let cmds = update(&mut m, key('u'));
    assert_eq!(
        cmds,
        [Command::LoadVersions {
            key: web(),
            chart: "nginx".into()
        }]
    );
    update(&mut m, Msg::Versions(web(), Ok(versions())));
    let Some(Modal::Upgrade(u)) = &m.modal else {
        panic!()
    };
    assert!(u.reuse_values, "reuse-values is on by default");
    assert_eq!(u.chosen(), Some("1.3.0"), "the available upgrade first");
    assert_eq!(update(&mut m, key('e')), [Command::Edit(String::new())]);
    update(&mut m, Msg::Edited(Ok("replicaCount: 3\n".into())));
    update(&mut m, key('r'));
    update(&mut m, key('k'));
    let req = UpgradeRequest {
        key: web(),
        chart: "nginx".into(),
        version: "1.4.0-rc.1".into(),
        source: "bitnami/nginx".into(),
        reuse_values: false,
        values: "replicaCount: 3\n".into(),
    };
    assert_eq!(
        update(&mut m, code(KeyCode::Enter)),
        [Command::PlanUpgrade(req.clone())]
    );
    // Not confirmable before the diffs are there.
    assert!(update(&mut m, key('y')).is_empty());
    update(
        &mut m,
        Msg::UpgradeDiff(
            web(),
            Ok(crate::tui::model::UpgradeDiff {
                values: "+ replicaCount: 3\n".into(),
                manifest: "(manifest)".into(),
            }),
        ),
    );
    assert_eq!(
        update(&mut m, key('y')),
        [Command::Upgrade {
            id: 1,
            request: req
        }]
    );
    update(
        &mut m,
        Msg::Progress(
            1,
            Event::Phase {
                release: "web".into(),
                namespace: "team-a".into(),
                revision: 4,
                status: Status::PendingUpgrade,
            },
        ),
    );
    assert_eq!(m.operations[0].phase, "pending-upgrade");
}

#[test]
fn upgrade_esc_from_the_diffs_returns_to_the_form() {
    let mut m = model();
    update(&mut m, key('G'));
    update(&mut m, key('u'));
    update(&mut m, Msg::Versions(web(), Ok(versions())));
    update(&mut m, code(KeyCode::Enter));
    update(&mut m, code(KeyCode::Esc));
    let Some(Modal::Upgrade(u)) = &m.modal else {
        panic!()
    };
    assert_eq!(u.diff, None);
    update(&mut m, code(KeyCode::Esc));
    assert!(m.modal.is_none());
}

#[test]
fn recover_a_stuck_release_with_rollback() {
    let mut m = model();
    update(&mut m, key('j'));
    update(&mut m, key('j'));
    assert_eq!(m.selected_row().unwrap().key.name, "db");
    update(&mut m, key('R'));
    let Some(Modal::Recover(r)) = &m.modal else {
        panic!()
    };
    assert_eq!(r.status, Status::PendingUpgrade);
    assert!(r.stuck.is_some());
    update(&mut m, key('b'));
    assert_eq!(
        update(&mut m, key('y')),
        [Command::Recover {
            id: 1,
            key: ReleaseKey::new("team-b", "db"),
            rollback: true
        }]
    );
}

#[test]
fn read_only_ignores_every_mutating_key() {
    let mut m = model();
    m.read_only = true;
    update(&mut m, key('G'));
    for msg in [key('u'), ctrl('d'), key('R')] {
        assert!(update(&mut m, msg).is_empty());
        assert!(m.modal.is_none());
    }
    assert_eq!(
        m.notifications.last().unwrap().text,
        "read-only: recover is disabled"
    );
    update(&mut m, code(KeyCode::Enter));
    update(&mut m, Msg::History(web(), Ok(history())));
    update(&mut m, key('4'));
    assert!(update(&mut m, key('r')).is_empty());
    assert!(m.modal.is_none());
}

#[test]
fn progress_then_outcome_notifies_and_reloads_open_details() {
    let mut m = details_model();
    update(&mut m, key('4'));
    update(&mut m, key('r'));
    update(&mut m, key('y'));
    let pending = Pending {
        resource: "Deployment/team-a/web".into(),
        status: "InProgress".into(),
        message: "Available: 0/2".into(),
    };
    update(
        &mut m,
        Msg::Progress(
            1,
            Event::Waiting {
                goal: "ready".into(),
                pending: vec![pending.clone()],
            },
        ),
    );
    update(
        &mut m,
        Msg::Progress(
            1,
            Event::HookOutput {
                bytes: b"migrating\ndone\n".to_vec(),
            },
        ),
    );
    assert_eq!(m.operations[0].pending, [pending]);
    assert_eq!(m.operations[0].hook_output, ["migrating", "done"]);
    update(&mut m, Msg::Progress(1, Event::WaitEnded));
    assert!(m.operations[0].pending.is_empty());
    let cmds = update(&mut m, Msg::Done(1, Err("timed out waiting".into())));
    assert!(m.operations.is_empty());
    assert_eq!(
        cmds,
        [Command::LoadDetails(web()), Command::LoadResources(web())]
    );
    let n = m.notifications.last().unwrap();
    assert_eq!(n.level, Level::Error);
    assert_eq!(n.text, "rollback of team-a/web failed: timed out waiting");
}

#[test]
fn notifications_expire() {
    let mut m = model();
    m.notify(Level::Success, "done");
    for _ in 0..7 {
        update(&mut m, Msg::Tick);
    }
    assert_eq!(m.notifications.len(), 1);
    update(&mut m, Msg::Tick);
    assert!(m.notifications.is_empty());
}

#[test]
fn watch_changes_update_the_list_and_open_details() {
    let mut m = details_model();
    let mut web_row = m.releases[&web()].clone();
    web_row.revision = 4;
    web_row.status = Status::PendingUpgrade;
    let cmds = update(&mut m, Msg::ReleaseChanged(web_row.clone()));
    assert_eq!(m.releases[&web()].status, Status::PendingUpgrade);
    assert_eq!(
        cmds,
        [Command::LoadDetails(web()), Command::LoadResources(web())]
    );
    // The same state again (a re-list) reads nothing.
    assert!(update(&mut m, Msg::ReleaseChanged(web_row)).is_empty());
    let new = row(
        "team-d",
        "new",
        1,
        Status::Deployed,
        ("x", "1.0.0"),
        "1",
        ("2026-12-02 02:00", 1_764_640_800),
    );
    assert!(update(&mut m, Msg::ReleaseChanged(new)).is_empty());
    assert_eq!(m.releases.len(), 6);
    update(&mut m, Msg::ReleaseGone(ReleaseKey::new("team-b", "cache")));
    assert_eq!(m.releases.len(), 5);
}

#[test]
fn quit_help_and_ctrl_c() {
    let mut m = model();
    update(&mut m, key('?'));
    assert_eq!(m.modal, Some(Modal::Help));
    assert!(update(&mut m, code(KeyCode::Esc)).is_empty());
    assert!(m.modal.is_none());
    assert_eq!(update(&mut m, key('q')), [Command::Quit]);
    let mut m = model();
    update(&mut m, key('/'));
    // Typing q into a search does not quit; Ctrl-C always does.
    assert!(update(&mut m, key('q')).is_empty());
    assert_eq!(update(&mut m, ctrl('c')), [Command::Quit]);
}
