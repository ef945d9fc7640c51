// Operations: start them, show their progress, notify their end.

import { api, enc, relPath } from "./api.js";
import { loadTab } from "./details.js";
import { $, el, toast } from "./dom.js";
import { key, state } from "./state.js";

export function describeEvent(ev) {
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

export function onOperation(o) {
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

export async function finished(id) {
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

export function track(op) {
  state.ops.set(op.id, Object.assign({ last: "" }, state.ops.get(op.id) || {}, op,
    { state: state.ended.has(op.id) ? "ended" : "running" }));
  state.mine.add(op.id);
  if (state.ended.has(op.id)) finished(op.id);
  renderOps();
}

export function renderOps() {
  const running = [...state.ops.values()].filter((o) => o.state === "running" && o.kind);
  $("operations").replaceChildren(...running.map((o) =>
    el("div", { class: "op", dataset: { op: o.id } },
      el("progress", { "aria-label": o.kind + " of " + o.name }),
      " ", el("strong", {}, o.kind), " " + o.namespace + "/" + o.name + " ",
      el("span", { class: "muted" }, o.last || "starting…"))));
}

export async function runOperation(kind, r, body) {
  try {
    const op = await api("POST", relPath(r.namespace, r.name) + "/" + kind, body);
    track(op);
    return op;
  } catch (e) {
    toast("error", kind + " of " + r.name + " was refused", e.message);
    return null;
  }
}
