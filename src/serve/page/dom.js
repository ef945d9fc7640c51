// Small DOM helpers: element building (text only, never markup), notifications, status badges, times.

export const $ = (id) => document.getElementById(id);

// el("tag", {attrs}, children...): children are nodes or text.
export function el(tag, attrs, ...children) {
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


export function toast(kind, title, detail) {
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

// A symbol and a word for every status, so colour is never the only cue.
export function statusBadge(status) {
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

export function fmtTime(t) {
  if (!t) return "";
  const d = new Date(t);
  if (isNaN(d.getTime())) return String(t);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}
