// The five tabs of the details view: Info, Manifest, Values, History, Resources.

import { api } from "./api.js";
import { loadTab } from "./details.js";
import { confirmRollback } from "./dialogs.js";
import { el, fmtTime, statusBadge } from "./dom.js";
import { selectedRelease, state } from "./state.js";
import { toYaml } from "./yaml.js";

export async function infoTab(base) {
  const s = await api("GET", base);
  const info = s.info || {};
  // helm's status JSON leaves the chart out; the summary has it.
  const r = selectedRelease() || {};
  const rows = [
    ["Name", s.name], ["Namespace", s.namespace], ["Revision", s.version],
    ["Status", statusBadge(info.status)], ["Chart", r.chart ? r.chart + "-" + r.chart_version : ""],
    ["App version", r.app_version || ""], ["First deployed", fmtTime(info.first_deployed)],
    ["Last deployed", fmtTime(info.last_deployed)], ["Description", info.description || ""],
  ];
  const out = el("div", { class: "info" },
    el("dl", { class: "facts" }, rows.map(([k, v]) => [el("dt", {}, k), el("dd", { dataset: { field: k } }, v)])));
  if (s.stuck) out.append(el("p", { class: "warning", role: "note" }, "Stuck: " + s.stuck.reason));
  if (info.notes) out.append(el("h3", {}, "Notes"), el("pre", { class: "notes" }, info.notes));
  return out;
}

export async function manifestTab(base) {
  const m = await api("GET", base + "/manifest");
  return el("pre", { class: "manifest" }, m.manifest || "");
}

export async function valuesTab(base) {
  const v = await api("GET", base + "/values" + (state.valuesAll ? "?all=true" : ""));
  const toggle = el("fieldset", { class: "toggle" }, el("legend", {}, "Show"),
    el("label", {}, el("input", { type: "radio", name: "values-kind", id: "values-user", checked: !state.valuesAll,
      onchange: () => { state.valuesAll = false; loadTab(); } }), " user-supplied"),
    el("label", {}, el("input", { type: "radio", name: "values-kind", id: "values-all", checked: state.valuesAll,
      onchange: () => { state.valuesAll = true; loadTab(); } }), " computed (all)"));
  const empty = v === null || (typeof v === "object" && Object.keys(v).length === 0);
  return el("div", {}, toggle, el("pre", { class: "values" }, empty ? "null\n" : toYaml(v)));
}

export async function historyTab(base, ns, name) {
  const h = await api("GET", base + "/history");
  const newest = h.reduce((m, r) => Math.max(m, r.revision), 0);
  const ro = state.config.read_only;
  const rows = [...h].reverse().map((r) =>
    el("tr", { dataset: { revision: r.revision } },
      el("td", { class: "num" }, r.revision),
      el("td", {}, fmtTime(r.updated)),
      el("td", {}, statusBadge(r.status)),
      el("td", {}, r.chart),
      el("td", { class: "wide" }, r.app_version || ""),
      el("td", {}, r.description || ""),
      el("td", {}, ro || r.revision === newest ? "" :
        el("button", { type: "button", class: "rollback", onclick: () => confirmRollback(ns, name, newest, r) },
          "Roll back to " + r.revision))));
  return el("div", { class: "table-wrap" }, el("table", { class: "history" },
    el("thead", {}, el("tr", {}, ["Revision", "Updated", "Status", "Chart", "App version", "Description", ""].map(
      (t, i) => el("th", { scope: "col", class: i === 4 ? "wide" : null }, t)))),
    el("tbody", {}, rows)));
}

export function objectStatus(o) {
  const st = o.status || {};
  if (o.kind === "Deployment" || o.kind === "StatefulSet" || o.kind === "ReplicaSet") {
    return (st.readyReplicas || 0) + "/" + ((o.spec && o.spec.replicas) ?? 1) + " ready";
  }
  if (o.kind === "Pod") return st.phase || "";
  if (o.kind === "Service") return (o.spec && o.spec.type) || "";
  if (o.kind === "Job") return st.succeeded ? "complete" : "running";
  return "";
}

export async function resourcesTab(base) {
  const res = await api("GET", base + "/resources");
  const rows = [];
  for (const [gvk, objs] of Object.entries(res.resources || {})) {
    for (const o of objs || []) {
      const md = o.metadata || {};
      rows.push(el("tr", { dataset: { kind: o.kind || gvk, name: md.name || "" } },
        el("td", {}, gvk), el("td", {}, md.name || ""), el("td", {}, md.namespace || ""),
        el("td", {}, objectStatus(o)), el("td", { class: "wide" }, fmtTime(md.creationTimestamp))));
    }
  }
  if (rows.length === 0) return el("p", { class: "muted" }, "No live resources.");
  return el("div", { class: "table-wrap" }, el("table", { class: "resources" },
    el("thead", {}, el("tr", {}, ["Kind", "Name", "Namespace", "Status", "Created"].map(
      (t, i) => el("th", { scope: "col", class: i === 4 ? "wide" : null }, t)))),
    el("tbody", {}, rows)));
}
