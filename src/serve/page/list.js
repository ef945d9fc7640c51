// The releases table, its filters and the shown/total count.

import { openDetails } from "./details.js";
import { $, el, fmtTime, statusBadge } from "./dom.js";
import { key, state } from "./state.js";

export function filters() {
  return {
    ns: $("f-namespace").value,
    status: $("f-status").value,
    q: $("f-search").value.trim().toLowerCase(),
  };
}

export function matches(r, f) {
  if (f.ns && r.namespace !== f.ns) return false;
  if (f.status) {
    const s = String(r.status);
    if (f.status === "pending" ? !s.startsWith("pending") : s !== f.status) return false;
  }
  if (f.q) {
    const hay = (r.name + " " + r.chart + " " + r.chart + "-" + r.chart_version).toLowerCase();
    if (!hay.includes(f.q)) return false;
  }
  return true;
}

export function upgradeMark(r) {
  if (!r.latest_version || r.latest_version === r.chart_version) return "";
  return el("span", { class: "upgrade-mark", title: "a newer chart version is available" },
    "upgrade available → " + r.latest_version);
}

export function renderNamespaces() {
  const sel = $("f-namespace");
  const current = sel.value;
  const names = [...new Set([...state.releases.values()].map((r) => r.namespace))].sort();
  if (current && !names.includes(current)) names.push(current);
  const wanted = ["", ...names].join("\n");
  const have = [...sel.options].map((o) => o.value).join("\n");
  if (wanted === have) return;
  sel.replaceChildren(el("option", { value: "" }, "all"), ...names.map((n) => el("option", { value: n }, n)));
  sel.value = current;
}

let renderQueued = false;

// Events arrive in bursts (a snapshot of every release, a busy cluster):
// one table build per burst, not one per event, keeps the page
// responsive with thousands of releases.
export function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    renderList();
  }, 50);
}

export function renderList() {
  renderNamespaces();
  const f = filters();
  const all = [...state.releases.values()].sort((a, b) =>
    a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace));
  const shown = all.filter((r) => matches(r, f));
  const rows = shown.map((r) =>
    el("tr", { dataset: { key: key(r.namespace, r.name) } },
      el("td", {}, el("button", { type: "button", class: "link open", onclick: () => openDetails(r.namespace, r.name) }, r.name)),
      el("td", { class: "ns" }, r.namespace),
      el("td", { class: "num" }, r.revision),
      el("td", {}, statusBadge(r.status)),
      el("td", {}, r.chart + "-" + r.chart_version),
      el("td", { class: "wide" }, r.app_version || ""),
      el("td", { class: "wide" }, fmtTime(r.updated)),
      el("td", {}, upgradeMark(r))));
  $("releases").tBodies[0].replaceChildren(...rows);
  $("count").textContent = "Showing " + shown.length + " of " + all.length + " releases";
  const empty = $("empty");
  if (!state.synced && all.length === 0) {
    empty.textContent = "Loading releases…";
    empty.hidden = false;
  } else if (shown.length === 0) {
    empty.textContent = all.length === 0 ? "No releases." : "No release matches the filters.";
    empty.hidden = false;
  } else {
    empty.hidden = true;
  }
}
