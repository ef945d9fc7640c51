// The rollback and uninstall confirmations (<dialog>: Esc cancels).

import { $ } from "./dom.js";
import { selectedRelease, state } from "./state.js";

export function openDialog(d) {
  state.lastFocus = document.activeElement;
  d.showModal();
}

export function onClose(d, confirm) {
  d.addEventListener("close", () => {
    const v = d.returnValue;
    d.returnValue = "";
    if (state.lastFocus && document.contains(state.lastFocus)) state.lastFocus.focus();
    if (v === "confirm") confirm();
  });
}

export let pendingRollback = null;

export function confirmRollback(ns, name, current, target) {
  pendingRollback = { namespace: ns, name, revision: target.revision };
  $("rb-text").textContent = "Roll back " + name + " to revision " + target.revision + "? This makes a new revision " + (current + 1) + ".";
  $("rb-release").textContent = name + " (" + ns + ")";
  $("rb-revisions").textContent = current + " → " + target.revision;
  $("rb-chart").textContent = target.chart + (target.app_version ? " (app " + target.app_version + ")" : "");
  openDialog($("rollback-dialog"));
  $("rb-cancel").focus();
}

export function confirmUninstall() {
  const r = selectedRelease();
  if (!r) return;
  $("un-text").textContent = "Uninstalling " + r.name + " deletes every resource of the release in namespace " +
    r.namespace + ". This cannot be undone unless history is kept.";
  $("un-keep").checked = false;
  openDialog($("uninstall-dialog"));
  $("un-cancel").focus();
}
