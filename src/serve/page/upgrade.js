// The upgrade form: versions, reuse-values, values, a preview of the diffs.

import { api, relPath } from "./api.js";
import { openDialog } from "./dialogs.js";
import { $, el } from "./dom.js";
import { track } from "./operations.js";
import { selectedRelease } from "./state.js";

let upgradeTarget = null;

export function upgradeBody() {
  const body = { values: $("up-values").value, reuse_values: $("up-reuse").checked };
  if ($("up-version").value) body.version = $("up-version").value;
  return body;
}

export function upgradeError(msg) {
  $("up-error").textContent = msg || "";
  $("up-error").hidden = !msg;
}

export function diffView(pre, text) {
  const lines = (text || "").split("\n");
  if (!text || !text.trim()) {
    pre.replaceChildren(el("span", { class: "muted" }, "(no changes)"));
    return;
  }
  pre.replaceChildren(...lines.map((l) => el("span", {
    class: l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : l.startsWith("@@") ? "hunk" : null,
  }, l + "\n")));
}

export async function openUpgrade() {
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

export async function planUpgrade() {
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

export async function confirmUpgrade() {
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
