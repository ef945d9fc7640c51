// Live updates: one EventSource on /api/v1/events; no polling, no reload.

import { loadTab, refreshDetailsHead } from "./details.js";
import { $ } from "./dom.js";
import { renderList, scheduleRender } from "./list.js";
import { onOperation } from "./operations.js";
import { key, state } from "./state.js";

export function connect() {
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
      scheduleRender();
    }
  });
}

export function onRelease(ev) {
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
  scheduleRender();
  if (state.selected === k) {
    refreshDetailsHead();
    if (!before || before.revision !== r.revision || before.status !== r.status) loadTab();
  }
}
