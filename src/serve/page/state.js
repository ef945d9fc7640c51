// What the page knows: configuration, releases, operations, the open release.

export const state = {
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

export const key = (ns, name) => ns + "/" + name;

export function selectedRelease() {
  return state.selected ? state.releases.get(state.selected) : null;
}
