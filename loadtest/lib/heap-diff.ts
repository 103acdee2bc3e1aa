// What a population of connections adds to a V8 heap: two .heapsnapshot files of one process
// (before and after), the objects of the second whose ids the first lacks (V8 keeps ids
// stable within a process), grouped by what they are and by what holds them.
//
//   npx tsx loadtest/lib/heap-diff.ts before.heapsnapshot after.heapsnapshot [--per 2000] [--top 60]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface Heap {
  count: number;
  type: (i: number) => string;
  name: (i: number) => string;
  id: (i: number) => number;
  selfSize: (i: number) => number;
  /** Outgoing edges of node i: [edgeType, edgeName, toNodeIndex]. */
  edges: (i: number) => Array<[string, string, number]>;
}

export function loadHeap(file: string): Heap {
  const raw = JSON.parse(readFileSync(file, "utf8")) as RawSnapshot;
  const m = raw.snapshot.meta;
  const nf = m.node_fields.length;
  const ef = m.edge_fields.length;
  const fType = m.node_fields.indexOf("type");
  const fName = m.node_fields.indexOf("name");
  const fId = m.node_fields.indexOf("id");
  const fSize = m.node_fields.indexOf("self_size");
  const fEdges = m.node_fields.indexOf("edge_count");
  const eType = m.edge_fields.indexOf("type");
  const eName = m.edge_fields.indexOf("name_or_index");
  const eTo = m.edge_fields.indexOf("to_node");
  const nodeTypes = m.node_types[0];
  const edgeTypes = m.edge_types[0];
  const count = raw.nodes.length / nf;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += raw.nodes[i * nf + fEdges] * ef;
    firstEdge[i + 1] = e;
  }
  const N = raw.nodes;
  const E = raw.edges;
  const S = raw.strings;
  return {
    count,
    type: (i) => nodeTypes[N[i * nf + fType]],
    name: (i) => S[N[i * nf + fName]],
    id: (i) => N[i * nf + fId],
    selfSize: (i) => N[i * nf + fSize],
    edges: (i) => {
      const out: Array<[string, string, number]> = [];
      for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) {
        const t = edgeTypes[E[e + eType]];
        const nameOrIndex = E[e + eName];
        const name = t === "element" || t === "hidden" ? `[${nameOrIndex}]` : S[nameOrIndex];
        out.push([t, name, E[e + eTo] / nf]);
      }
      return out;
    },
  };
}

export interface Row {
  key: string;
  count: number;
  bytes: number;
}

export interface HeapDiff {
  newObjects: number;
  newBytes: number;
  /** By kind: `type name` (constructor for objects, "string", "closure <fn>", "array <what>"...). */
  byKind: Row[];
  /** By kind and holder: `kind  ←  HolderKind.edge` (the first strong retainer that is itself new, else any). */
  byHolder: Row[];
}

/** A readable kind of node i. */
function kindOf(h: Heap, i: number): string {
  const t = h.type(i);
  const n = h.name(i);
  switch (t) {
    case "object":
      return n;
    case "closure":
      return `closure ${n || "(anonymous)"}`;
    case "string":
    case "concatenated string":
    case "sliced string":
      return `string (${t})`;
    case "array":
      return `array ${n}`;
    case "hidden":
    case "code":
    case "native":
    case "object shape":
      return `${t} ${n.length > 40 ? n.slice(0, 40) + "…" : n}`;
    default:
      return `${t} ${n}`;
  }
}

export function diffHeaps(before: Heap, after: Heap): HeapDiff {
  const old = new Set<number>();
  for (let i = 0; i < before.count; i++) old.add(before.id(i));
  const isNew = new Uint8Array(after.count);
  let newObjects = 0;
  let newBytes = 0;
  for (let i = 0; i < after.count; i++) {
    if (!old.has(after.id(i))) {
      isNew[i] = 1;
      newObjects++;
      newBytes += after.selfSize(i);
    }
  }
  // Retainers of new nodes: prefer a strong edge from a new node (the per-connection owner).
  const holder = new Map<number, [number, string]>();
  for (let i = 0; i < after.count; i++) {
    for (const [t, name, to] of after.edges(i)) {
      if (!isNew[to] || t === "weak" || t === "shortcut") continue;
      const cur = holder.get(to);
      const better = !cur || (!isNew[cur[0]] && isNew[i]);
      if (better) holder.set(to, [i, t === "internal" || t === "hidden" ? `(${name})` : name]);
    }
  }
  const byKind = new Map<string, Row>();
  const byHolder = new Map<string, Row>();
  const add = (m: Map<string, Row>, key: string, bytes: number) => {
    const r = m.get(key) ?? { key, count: 0, bytes: 0 };
    r.count++;
    r.bytes += bytes;
    m.set(key, r);
  };
  for (let i = 0; i < after.count; i++) {
    if (!isNew[i]) continue;
    const k = kindOf(after, i);
    const b = after.selfSize(i);
    add(byKind, k, b);
    const hd = holder.get(i);
    add(byHolder, hd ? `${k}  ←  ${kindOf(after, hd[0])}.${hd[1]}${isNew[hd[0]] ? "" : " (old)"}` : `${k}  ←  ?`, b);
  }
  const sort = (m: Map<string, Row>) => [...m.values()].sort((a, b) => b.bytes - a.bytes);
  return { newObjects, newBytes, byKind: sort(byKind), byHolder: sort(byHolder) };
}

export function formatDiff(d: HeapDiff, per: number, top: number): string {
  const out: string[] = [];
  out.push(`new objects: ${d.newObjects} (${(d.newObjects / per).toFixed(1)} per connection), ${d.newBytes} B (${(d.newBytes / per).toFixed(0)} B per connection)`);
  const table = (title: string, rows: Row[]) => {
    out.push("", title, "", "| objects/conn | bytes/conn | share | what |", "|---|---|---|---|");
    for (const r of rows.slice(0, top)) {
      out.push(`| ${(r.count / per).toFixed(2)} | ${(r.bytes / per).toFixed(0)} | ${((r.bytes / d.newBytes) * 100).toFixed(1)}% | ${r.key.replace(/\|/g, "/")} |`);
    }
  };
  table("By kind (self size of new objects):", d.byKind);
  table("By kind and holder (kind ← holder.edge):", d.byHolder);
  return out.join("\n");
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { per: { type: "string", default: "1" }, top: { type: "string", default: "60" } },
  });
  if (positionals.length !== 2) {
    console.log("usage: npx tsx loadtest/lib/heap-diff.ts before.heapsnapshot after.heapsnapshot [--per N] [--top 60]");
    return;
  }
  const d = diffHeaps(loadHeap(positionals[0]), loadHeap(positionals[1]));
  console.log(formatDiff(d, Number(values.per), Number(values.top)));
}

if (require.main === module) main();
