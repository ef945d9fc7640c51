// rudder serve's page: plain JavaScript over the JSON API and one
// EventSource. Every string from the server reaches the DOM through
// textContent (the el() helper), never as markup.
"use strict";

(function () {
  const token = document.querySelector('meta[name="rudder-token"]').content;

  const state = {
    config: { read_only: true, namespace: null, version: "" },
    releases: new Map(), // "ns/name" -> Summary
    collecting: null, // a snapshot being received after (re)connecting
    synced: false,
    selected: null, // "ns/name" of the details view
    tab: "info",
    valuesAll: false,
    ops: new Map(), // id -> {id, kind, name, namespace, state, last}
    mine: new Set(), // operation ids this page started
    ended: new Set(), // operation ids seen ending
    lastFocus: null,
  };

  const $ = (id) => document.getElementById(id);

  // el("tag", {attrs}, children...): children are nodes or text.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "dataset") Object.assign(e.dataset, v);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  const key = (ns, name) => ns + "/" + name;

  // --- API -----------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super(body && body.error ? body.error : "HTTP " + status);
      this.status = status;
      this.kind = body && body.kind;
    }
  }

  async function api(method, path, body) {
    const init = {
      method,
      credentials: "same-origin",
      headers: { Authorization: "Bearer " + token, Accept: "application/json" },
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch("/api/v1" + path, init);
    } catch (e) {
      throw new ApiError(0, { error: "the server cannot be reached: " + e.message });
    }
    let data = null;
    const text = await res.text();
    try {
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      data = { error: text };
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  const enc = encodeURIComponent;
  const relPath = (ns, name) => "/releases/" + enc(ns) + "/" + enc(name);

  // --- notifications -------------------------------------------------

  function toast(kind, title, detail) {
    const box = el(
      "div",
      { class: "toast " + kind, role: kind === "error" ? "alert" : "status" },
      el("strong", {}, kind === "error" ? "Error: " : "Done: "),
      el("span", { class: "toast-title" }, title),
      detail ? el("pre", { class: "toast-detail" }, detail) : null,
      el("button", { type: "button", class: "close", "aria-label": "Dismiss", onclick: () => box.remove() }, "×")
    );
    $("toasts").append(box);
    if (kind !== "error") setTimeout(() => box.remove(), 15000);
  }

  // --- statuses ------------------------------------------------------

  // A symbol and a word for every status, so colour is never the only cue.
  function statusBadge(status) {
    const s = String(status || "unknown");
    const group = s.startsWith("pending") ? "pending" : s;
    const symbol = {
      deployed: "✔",
      failed: "✖",
      pending: "…",
      superseded: "↺",
      uninstalled: "○",
      uninstalling: "⌛",
    }[group] || "?";
    return el("span", { class: "status status-" + group, dataset: { status: s } },
      el("span", { class: "symbol", "aria-hidden": "true" }, symbol), " ", s);
  }

  function fmtTime(t) {
    if (!t) return "";
    const d = new Date(t);
    if (isNaN(d.getTime())) return String(t);
    return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  // --- the list ------------------------------------------------------

  function filters() {
    return {
      ns: $("f-namespace").value,
      status: $("f-status").value,
      q: $("f-search").value.trim().toLowerCase(),
    };
  }

  function matches(r, f) {
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

  function upgradeMark(r) {
    if (!r.latest_version || r.latest_version === r.chart_version) return "";
    return el("span", { class: "upgrade-mark", title: "a newer chart version is available" },
      "upgrade available → " + r.latest_version);
  }

  function renderNamespaces() {
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

  function renderList() {
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

  // --- live updates --------------------------------------------------

  function connect() {
    const es = new EventSource("/api/v1/events");
    es.addEventListener("open", () => {
      state.collecting = new Map();
      $("live").textContent = "live";
      $("live").className = "live on";
    });
    es.addEventListener("error", () => {
      // EventSource retries by itself unless the server refused the
      // stream (a restarted server with a new token answers 401).
      const closed = es.readyState === EventSource.CLOSED;
      $("live").textContent = closed ? "disconnected: reload the page (a new token may be needed)" : "reconnecting…";
      $("live").className = "live off";
    });
    es.addEventListener("release", (e) => onRelease(JSON.parse(e.data)));
    es.addEventListener("synced", () => {
      // A fresh snapshot replaces what we had (releases deleted while
      // disconnected disappear).
      if (state.collecting) state.releases = state.collecting;
      state.collecting = null;
      state.synced = true;
      document.body.dataset.synced = "true";
      renderList();
      refreshDetailsHead();
    });
    es.addEventListener("operation", (e) => onOperation(JSON.parse(e.data)));
    es.addEventListener("availability", (e) => {
      const a = JSON.parse(e.data);
      const r = state.releases.get(key(a.namespace, a.name));
      if (r) {
        r.latest_version = a.latest_version;
        renderList();
      }
    });
  }

  function onRelease(ev) {
    const r = ev.release;
    const k = key(r.namespace, r.name);
    if (ev.type === "added" && state.collecting) {
      state.collecting.set(k, r);
    } else {
      // Anything else means we resumed rather than got a snapshot.
      state.collecting = null;
    }
    const before = state.releases.get(k);
    if (ev.type === "deleted") {
      state.releases.delete(k);
    } else {
      if (before && r.latest_version === undefined) r.latest_version = before.latest_version;
      state.releases.set(k, r);
    }
    renderList();
    if (state.selected === k) {
      refreshDetailsHead();
      if (!before || before.revision !== r.revision || before.status !== r.status) loadTab();
    }
  }

  // --- operations ----------------------------------------------------

  function describeEvent(ev) {
    if (!ev) return "";
    switch (ev.type) {
      case "phase": return "revision " + ev.revision + ": " + ev.status;
      case "waiting": return "waiting for " + (ev.pending || []).length + " resource(s)";
      case "waitEnded": return "resources ready";
      case "hookStarted": return "hook " + ev.name + " (" + ev.event + ") started";
      case "hookFinished": return "hook " + ev.path + " " + ev.phase;
      case "warning": return "warning: " + ev.message;
      default: return ev.type || "";
    }
  }

  function onOperation(o) {
    state.collecting = null;
    let op = state.ops.get(o.id);
    if (!op) {
      op = { id: o.id, state: o.state, last: "" };
      state.ops.set(o.id, op);
      // Started elsewhere (another page, a script): learn what it is, so
      // its progress shows here too.
      if (o.state === "running") {
        api("GET", "/operations/" + enc(o.id)).then((full) => {
          const cur = state.ops.get(o.id);
          if (cur && !cur.kind) {
            Object.assign(cur, { kind: full.kind, name: full.name, namespace: full.namespace });
            renderOps();
          }
        }, () => {});
      }
    }
    op.state = o.state;
    if (o.event && o.event.event) op.last = describeEvent(o.event.event);
    if (o.state !== "running") {
      state.ended.add(o.id);
      if (state.mine.has(o.id)) finished(o.id);
    }
    renderOps();
  }

  async function finished(id) {
    state.mine.delete(id);
    try {
      const op = await api("GET", "/operations/" + enc(id));
      state.ops.set(id, op);
      const what = op.kind + " of " + op.name;
      if (op.state === "succeeded") toast("success", what + " succeeded", (op.result || "").trim());
      else toast("error", what + " failed", op.error ? op.error.error : "");
      if (state.selected === key(op.namespace, op.name)) loadTab();
    } catch (e) {
      toast("error", "operation " + id, e.message);
    }
    renderOps();
  }

  function track(op) {
    state.ops.set(op.id, Object.assign({ last: "" }, state.ops.get(op.id) || {}, op,
      { state: state.ended.has(op.id) ? "ended" : "running" }));
    state.mine.add(op.id);
    if (state.ended.has(op.id)) finished(op.id);
    renderOps();
  }

  function renderOps() {
    const running = [...state.ops.values()].filter((o) => o.state === "running" && o.kind);
    $("operations").replaceChildren(...running.map((o) =>
      el("div", { class: "op", dataset: { op: o.id } },
        el("progress", { "aria-label": o.kind + " of " + o.name }),
        " ", el("strong", {}, o.kind), " " + o.namespace + "/" + o.name + " ",
        el("span", { class: "muted" }, o.last || "starting…"))));
  }

  async function runOperation(kind, r, body) {
    try {
      const op = await api("POST", relPath(r.namespace, r.name) + "/" + kind, body);
      track(op);
      return op;
    } catch (e) {
      toast("error", kind + " of " + r.name + " was refused", e.message);
      return null;
    }
  }

  // --- details -------------------------------------------------------

  function selectedRelease() {
    return state.selected ? state.releases.get(state.selected) : null;
  }

  // The details view has its own address (#/ns/name), so the browser's
  // Back button and a bookmark work.
  function detailsHash(ns, name) {
    return "#/" + enc(ns) + "/" + enc(name);
  }

  function route() {
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

  function openDetails(ns, name) {
    const h = detailsHash(ns, name);
    if (location.hash === h) route();
    else location.hash = h; // hashchange -> route()
  }

  function closeDetails() {
    if (location.hash) history.pushState(null, "", location.pathname + location.search);
    route();
  }

  function showDetails(ns, name) {
    state.selected = key(ns, name);
    state.tab = "info";
    state.valuesAll = false;
    $("list-view").hidden = true;
    $("details-view").hidden = false;
    refreshDetailsHead();
    loadTab();
    $("back").focus();
  }

  function showList() {
    const k = state.selected;
    state.selected = null;
    $("details-view").hidden = true;
    $("list-view").hidden = false;
    renderList();
    const row = k && [...document.querySelectorAll("#releases tbody tr")].find((tr) => tr.dataset.key === k);
    const b = row && row.querySelector("button.open");
    if (b) b.focus();
  }

  function refreshDetailsHead() {
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

  async function loadTab() {
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

  async function infoTab(base) {
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

  async function manifestTab(base) {
    const m = await api("GET", base + "/manifest");
    return el("pre", { class: "manifest" }, m.manifest || "");
  }

  async function valuesTab(base) {
    const v = await api("GET", base + "/values" + (state.valuesAll ? "?all=true" : ""));
    const toggle = el("fieldset", { class: "toggle" }, el("legend", {}, "Show"),
      el("label", {}, el("input", { type: "radio", name: "values-kind", id: "values-user", checked: !state.valuesAll,
        onchange: () => { state.valuesAll = false; loadTab(); } }), " user-supplied"),
      el("label", {}, el("input", { type: "radio", name: "values-kind", id: "values-all", checked: state.valuesAll,
        onchange: () => { state.valuesAll = true; loadTab(); } }), " computed (all)"));
    const empty = v === null || (typeof v === "object" && Object.keys(v).length === 0);
    return el("div", {}, toggle, el("pre", { class: "values" }, empty ? "null\n" : toYaml(v)));
  }

  async function historyTab(base, ns, name) {
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

  function objectStatus(o) {
    const st = o.status || {};
    if (o.kind === "Deployment" || o.kind === "StatefulSet" || o.kind === "ReplicaSet") {
      return (st.readyReplicas || 0) + "/" + ((o.spec && o.spec.replicas) ?? 1) + " ready";
    }
    if (o.kind === "Pod") return st.phase || "";
    if (o.kind === "Service") return (o.spec && o.spec.type) || "";
    if (o.kind === "Job") return st.succeeded ? "complete" : "running";
    return "";
  }

  async function resourcesTab(base) {
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

  // A small YAML writer for values shown to people (keys sorted as the
  // server sends them; strings quoted when YAML would read them as
  // something else).
  function yamlScalar(v) {
    if (v === null) return "null";
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    const s = String(v);
    const plain = /^[A-Za-z_./][A-Za-z0-9_./ -]*$/.test(s) && !/ $/.test(s) &&
      !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(s);
    return plain ? s : JSON.stringify(s);
  }

  function toYaml(v, indent) {
    indent = indent || "";
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]\n";
      return v.map((x) => {
        if (x !== null && typeof x === "object" && Object.keys(x).length > 0) {
          const inner = toYaml(x, indent + "  ");
          return indent + "- " + inner.slice(indent.length + 2);
        }
        return indent + "- " + (x !== null && typeof x === "object" ? (Array.isArray(x) ? "[]" : "{}") : yamlScalar(x)) + "\n";
      }).join("");
    }
    if (v !== null && typeof v === "object") {
      const keys = Object.keys(v);
      if (keys.length === 0) return "{}\n";
      return keys.map((k) => {
        const x = v[k];
        const kk = yamlScalar(k);
        if (x !== null && typeof x === "object" && (Array.isArray(x) ? x.length : Object.keys(x).length)) {
          return indent + kk + ":\n" + toYaml(x, Array.isArray(x) ? indent : indent + "  ");
        }
        if (x !== null && typeof x === "object") return indent + kk + ": " + (Array.isArray(x) ? "[]" : "{}") + "\n";
        return indent + kk + ": " + yamlScalar(x) + "\n";
      }).join("");
    }
    return yamlScalar(v) + "\n";
  }

  // --- dialogs -------------------------------------------------------

  function openDialog(d) {
    state.lastFocus = document.activeElement;
    d.showModal();
  }

  function onClose(d, confirm) {
    d.addEventListener("close", () => {
      const v = d.returnValue;
      d.returnValue = "";
      if (state.lastFocus && document.contains(state.lastFocus)) state.lastFocus.focus();
      if (v === "confirm") confirm();
    });
  }

  let pendingRollback = null;

  function confirmRollback(ns, name, current, target) {
    pendingRollback = { namespace: ns, name, revision: target.revision };
    $("rb-text").textContent = "Roll back " + name + " to revision " + target.revision + "? This makes a new revision " + (current + 1) + ".";
    $("rb-release").textContent = name + " (" + ns + ")";
    $("rb-revisions").textContent = current + " → " + target.revision;
    $("rb-chart").textContent = target.chart + (target.app_version ? " (app " + target.app_version + ")" : "");
    openDialog($("rollback-dialog"));
    $("rb-cancel").focus();
  }

  function confirmUninstall() {
    const r = selectedRelease();
    if (!r) return;
    $("un-text").textContent = "Uninstalling " + r.name + " deletes every resource of the release in namespace " +
      r.namespace + ". This cannot be undone unless history is kept.";
    $("un-keep").checked = false;
    openDialog($("uninstall-dialog"));
    $("un-cancel").focus();
  }

  // --- upgrade -------------------------------------------------------

  let upgradeTarget = null;

  function upgradeBody() {
    const body = { values: $("up-values").value, reuse_values: $("up-reuse").checked };
    if ($("up-version").value) body.version = $("up-version").value;
    return body;
  }

  function upgradeError(msg) {
    $("up-error").textContent = msg || "";
    $("up-error").hidden = !msg;
  }

  function diffView(pre, text) {
    const lines = (text || "").split("\n");
    if (!text || !text.trim()) {
      pre.replaceChildren(el("span", { class: "muted" }, "(no changes)"));
      return;
    }
    pre.replaceChildren(...lines.map((l) => el("span", {
      class: l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : l.startsWith("@@") ? "hunk" : null,
    }, l + "\n")));
  }

  async function openUpgrade() {
    const r = selectedRelease();
    if (!r) return;
    upgradeTarget = r;
    $("up-title").textContent = "Upgrade " + r.name;
    $("up-source").textContent = "Loading versions…";
    $("up-version").replaceChildren();
    $("up-values").value = "";
    $("up-reuse").checked = true;
    $("up-preview").hidden = true;
    upgradeError("");
    openDialog($("upgrade-dialog"));
    $("up-version").focus();
    try {
      const v = await api("GET", relPath(r.namespace, r.name) + "/versions");
      $("up-source").textContent = "From " + v.source + " (" + v.reference + "); installed " + v.current;
      $("up-version").replaceChildren(...(v.versions || []).map((x) =>
        el("option", { value: x }, x + (x === v.current ? " (installed)" : ""))));
    } catch (e) {
      $("up-source").textContent = "";
      upgradeError(e.message);
    }
  }

  async function planUpgrade() {
    const r = upgradeTarget;
    if (!r) return;
    upgradeError("");
    $("up-plan").disabled = true;
    try {
      const p = await api("POST", relPath(r.namespace, r.name) + "/upgrade/plan", upgradeBody());
      diffView($("up-values-diff"), p.values_diff);
      diffView($("up-manifest-diff"), p.manifest_diff);
      $("up-preview").hidden = false;
    } catch (e) {
      upgradeError(e.message);
    } finally {
      $("up-plan").disabled = false;
    }
  }

  async function confirmUpgrade() {
    const r = upgradeTarget;
    if (!r) return;
    upgradeError("");
    try {
      const body = Object.assign(upgradeBody(), { wait: false });
      const op = await api("POST", relPath(r.namespace, r.name) + "/upgrade", body);
      track(op);
      $("upgrade-dialog").close("done");
    } catch (e) {
      upgradeError(e.message);
    }
  }

  // --- wiring --------------------------------------------------------

  function wire() {
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

  async function start() {
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
})();
