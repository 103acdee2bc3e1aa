// What grew between two V8 heap snapshots of a server (`--heap-snapshots` of the cycles):
// live objects grouped by kind and constructor (or string / code / array kind), with their
// count and self size in each snapshot, largest growth first.
//
//   npx tsx loadtest/soak/heap-diff.ts before.heapsnapshot after.heapsnapshot [rows]
import { readFileSync } from "node:fs";

interface Group {
  count: number;
  bytes: number;
}

/** Groups a snapshot's nodes by "type:name" (strings by type only: their names are their contents). */
export function groupSnapshot(json: string): Map<string, Group> {
  const snap = JSON.parse(json);
  const meta = snap.snapshot.meta;
  const fields: string[] = meta.node_fields;
  const types: string[] = meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const nodes: number[] = snap.nodes;
  const strings: string[] = snap.strings;
  const out = new Map<string, Group>();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const key = type === "string" || type === "concatenated string" || type === "sliced string" || type === "number" ? type : `${type}:${strings[nodes[i + nameAt]].slice(0, 80)}`;
    let g = out.get(key);
    if (!g) out.set(key, (g = { count: 0, bytes: 0 }));
    g.count++;
    g.bytes += nodes[i + sizeAt];
  }
  return out;
}

export function diffGroups(a: Map<string, Group>, b: Map<string, Group>): Array<{ key: string; before: Group; after: Group }> {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const zero = { count: 0, bytes: 0 };
  return [...keys]
    .map((key) => ({ key, before: a.get(key) ?? zero, after: b.get(key) ?? zero }))
    .sort((x, y) => Math.abs(y.after.bytes - y.before.bytes) - Math.abs(x.after.bytes - x.before.bytes));
}

if (require.main === module) {
  const [fa, fb, rows = "30"] = process.argv.slice(2);
  if (!fa || !fb) {
    process.stderr.write("usage: heap-diff.ts before.heapsnapshot after.heapsnapshot [rows]\n");
    process.exit(2);
  }
  const a = groupSnapshot(readFileSync(fa, "utf8"));
  const b = groupSnapshot(readFileSync(fb, "utf8"));
  const total = (m: Map<string, Group>) => [...m.values()].reduce((s, g) => s + g.bytes, 0);
  process.stdout.write(`total self size: ${total(a)} -> ${total(b)} (${total(b) - total(a) >= 0 ? "+" : ""}${total(b) - total(a)} B)\n`);
  process.stdout.write("| kind:name | count before -> after | bytes before -> after | change |\n|---|---|---|---|\n");
  for (const r of diffGroups(a, b).slice(0, Number(rows))) {
    process.stdout.write(`| ${r.key.replace(/\|/g, "\\|").replace(/\n/g, " ")} | ${r.before.count} -> ${r.after.count} | ${r.before.bytes} -> ${r.after.bytes} | ${r.after.bytes - r.before.bytes >= 0 ? "+" : ""}${r.after.bytes - r.before.bytes} |\n`);
  }
}
