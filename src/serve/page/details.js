// The details view: its address (#/ns/name), its header and its tabs.

import { enc, relPath } from "./api.js";
import { $, el, statusBadge } from "./dom.js";
import { renderList, upgradeMark } from "./list.js";
import { key, selectedRelease, state } from "./state.js";
import { historyTab, infoTab, manifestTab, resourcesTab, valuesTab } from "./tabs.js";

// The details view has its own address (#/ns/name), so the browser's
// Back button and a bookmark work.
export function detailsHash(ns, name) {
  return "#/" + enc(ns) + "/" + enc(name);
}

export function route() {
  const m = /^#\/([^/]+)\/([^/]+)$/.exec(location.hash);
  if (m) {
    let ns, name;
    try {
      ns = decodeURIComponent(m[1]);
      name = decodeURIComponent(m[2]);
    } catch (_) {
      showList();
      return;
    }
    if (state.selected !== key(ns, name)) showDetails(ns, name);
  } else if (state.selected) {
    showList();
  }
}

export function openDetails(ns, name) {
  const h = detailsHash(ns, name);
  if (location.hash === h) route();
  else location.hash = h; // hashchange -> route()
}

export function closeDetails() {
  if (location.hash) history.pushState(null, "", location.pathname + location.search);
  route();
}

export function showDetails(ns, name) {
  state.selected = key(ns, name);
  state.tab = "info";
  state.valuesAll = false;
  $("list-view").hidden = true;
  $("details-view").hidden = false;
  refreshDetailsHead();
  loadTab();
  $("back").focus();
}

export function showList() {
  const k = state.selected;
  state.selected = null;
  $("details-view").hidden = true;
  $("list-view").hidden = false;
  renderList();
  const row = k && [...document.querySelectorAll("#releases tbody tr")].find((tr) => tr.dataset.key === k);
  const b = row && row.querySelector("button.open");
  if (b) b.focus();
}

export function refreshDetailsHead() {
  if (!state.selected) return;
  const r = selectedRelease();
  const [ns, name] = state.selected.split(/\/(.*)/s);
  $("d-title").textContent = name + " (" + ns + ")";
  if (!r) {
    $("d-summary").replaceChildren(el("span", { class: "muted" }, "this release is gone"));
  } else {
    $("d-summary").replaceChildren(
      statusBadge(r.status), " revision " + r.revision + " · " + r.chart + "-" + r.chart_version + " ",
      upgradeMark(r));
  }
  const ro = state.config.read_only;
  for (const b of document.querySelectorAll("#details-view .mutating")) {
    b.hidden = ro || !r || (b.id !== "do-uninstall" && b.id !== "do-recover" && r.status === "uninstalled");
  }
  for (const t of document.querySelectorAll("#tabs [role=tab]")) {
    const on = t.dataset.tab === state.tab;
    t.setAttribute("aria-selected", on ? "true" : "false");
    t.tabIndex = on ? 0 : -1;
  }
}

let loadSeq = 0;

export async function loadTab() {
  if (!state.selected) return;
  const seq = ++loadSeq;
  const [ns, name] = state.selected.split(/\/(.*)/s);
  const base = relPath(ns, name);
  refreshDetailsHead();
  const panel = $("panel");
  panel.setAttribute("aria-labelledby", "tab-" + state.tab);
  panel.setAttribute("aria-busy", "true");
  let content;
  try {
    content = await ({
      info: () => infoTab(base),
      manifest: () => manifestTab(base),
      values: () => valuesTab(base),
      history: () => historyTab(base, ns, name),
      resources: () => resourcesTab(base),
    }[state.tab])();
  } catch (e) {
    content = el("p", { class: "error", role: "alert" }, e.message);
  }
  if (seq !== loadSeq) return; // a newer load replaced this one
  panel.replaceChildren(content);
  panel.dataset.tab = state.tab;
  panel.removeAttribute("aria-busy");
}
