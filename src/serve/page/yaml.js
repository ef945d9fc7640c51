// A small YAML writer for values shown to people (keys sorted as the
// server sends them; strings quoted when YAML would read them as
// something else).

export function yamlScalar(v) {
  if (v === null) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const s = String(v);
  const plain = /^[A-Za-z_./][A-Za-z0-9_./ -]*$/.test(s) && !/ $/.test(s) &&
    !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(s);
  return plain ? s : JSON.stringify(s);
}

export function toYaml(v, indent) {
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
