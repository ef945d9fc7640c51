// rudder serve's page: plain JavaScript modules over the JSON API and one
// EventSource. Every string from the server reaches the DOM as text (the
// el() helper), never as markup. This module wires the page and starts it.

import { api } from "./api.js";
import { closeDetails, loadTab, route } from "./details.js";
import { confirmUninstall, onClose, pendingRollback } from "./dialogs.js";
import { $, toast } from "./dom.js";
import { renderList } from "./list.js";
import { connect } from "./live.js";
import { runOperation } from "./operations.js";
import { selectedRelease, state } from "./state.js";
import { confirmUpgrade, openUpgrade, planUpgrade } from "./upgrade.js";

export function wire() {
  for (const id of ["f-namespace", "f-status"]) $(id).addEventListener("change", renderList);
  $("f-search").addEventListener("input", renderList);
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("f-clear").addEventListener("click", () => {
    $("f-namespace").value = "";
    $("f-status").value = "";
    $("f-search").value = "";
    renderList();
    $("f-search").focus();
  });
  $("home").addEventListener("click", (e) => {
    e.preventDefault();
    if (state.selected) closeDetails();
  });
  $("back").addEventListener("click", closeDetails);
  window.addEventListener("hashchange", route);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && state.selected && !document.querySelector("dialog[open]")) closeDetails();
  });
  const tabs = [...document.querySelectorAll("#tabs [role=tab]")];
  for (const t of tabs) {
    t.addEventListener("click", () => {
      state.tab = t.dataset.tab;
      loadTab();
    });
    t.addEventListener("keydown", (e) => {
      const i = tabs.indexOf(t);
      const next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length]
        : e.key === "ArrowLeft" ? tabs[(i + tabs.length - 1) % tabs.length] : null;
      if (next) {
        e.preventDefault();
        next.focus();
        next.click();
      }
    });
  }
  $("do-uninstall").addEventListener("click", confirmUninstall);
  $("do-upgrade").addEventListener("click", openUpgrade);
  $("do-recover").addEventListener("click", () => {
    const r = selectedRelease();
    if (r) runOperation("recover", r, {});
  });
  onClose($("rollback-dialog"), () => {
    const p = pendingRollback;
    if (p) runOperation("rollback", p, { revision: p.revision });
  });
  onClose($("uninstall-dialog"), () => {
    const r = selectedRelease();
    if (r) runOperation("uninstall", r, { keep_history: $("un-keep").checked });
  });
  onClose($("upgrade-dialog"), () => {});
  $("up-plan").addEventListener("click", planUpgrade);
  $("up-confirm").addEventListener("click", confirmUpgrade);
  for (const id of ["up-version", "up-reuse", "up-values"]) {
    $(id).addEventListener("input", () => { $("up-preview").hidden = true; });
  }
}

export async function start() {
  wire();
  renderList();
  try {
    state.config = await api("GET", "/config");
  } catch (e) {
    toast("error", "cannot read the server's configuration", e.message);
  }
  const c = state.config;
  document.body.classList.toggle("read-only", !!c.read_only);
  document.body.classList.toggle("single-ns", !!c.namespace);
  // Read-only servers have no mutating routes: their buttons go away.
  if (c.read_only) for (const b of document.querySelectorAll(".mutating")) b.remove();
  $("readonly-badge").hidden = !c.read_only;
  $("scope").textContent = (c.namespace ? "namespace " + c.namespace : "all namespaces") +
    (c.version ? " · rudder " + c.version : "");
  document.body.dataset.ready = "true";
  connect();
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
