// Where a server's resident memory is, read in the server process: what V8 holds (each heap
// space committed against used), what it counts outside its heap (external, ArrayBuffers,
// its own malloc), and what the kernel sees (RSS split into glibc's brk heap, other anonymous
// mappings and file-backed pages). The cycles read it after each GC, so that RSS that does not
// come back can be told apart: V8 committed-but-unused pages (heapTotal above heapUsed),
// native memory of the main thread's allocator (the brk heap: uWS, the addon, node's own
// C++), or something the application still holds (heapUsed).
import { readFileSync } from "node:fs";
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";

export interface HeapSpace {
  /** Pages V8 has touched and keeps (physical_space_size). */
  committed: number;
  /** Live objects after the last GC (space_used_size). */
  used: number;
}

export interface MemoryBreakdown {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Per V8 space (new_space, old_space, large_object_space, code_space, ...). */
  spaces: Record<string, HeapSpace>;
  /** V8's own malloc'ed memory (not the JS heap). */
  v8Malloced: number;
  /**
   * From /proc/self/smaps (-1 where it cannot be read): resident pages of glibc's brk heap
   * (the main arena, where the main thread's small and medium mallocs live), of every other
   * anonymous mapping (V8's pages, other arenas, large mallocs, thread stacks), and of files.
   */
  brkHeapRss: number;
  otherAnonRss: number;
  fileRss: number;
}

export function memoryBreakdown(): MemoryBreakdown {
  const m = process.memoryUsage();
  const spaces: Record<string, HeapSpace> = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = { committed: s.physical_space_size, used: s.space_used_size };
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    spaces,
    v8Malloced: getHeapStatistics().malloced_memory,
    ...smapsSplit(),
  };
}

/** Sums each mapping's Rss by kind (a few ms for a node process: read on demand, not each second). */
function smapsSplit(): { brkHeapRss: number; otherAnonRss: number; fileRss: number } {
  let text: string;
  try {
    text = readFileSync("/proc/self/smaps", "utf8");
  } catch {
    return { brkHeapRss: -1, otherAnonRss: -1, fileRss: -1 };
  }
  let brkHeapRss = 0;
  let otherAnonRss = 0;
  let fileRss = 0;
  let kind: "brk" | "anon" | "file" = "anon";
  for (const line of text.split("\n")) {
    // A mapping's header: "start-end perms offset dev inode [path]"; its fields follow.
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (header) {
      const path = header[2];
      kind = path === "[heap]" ? "brk" : header[1] !== "0" || path.startsWith("/") ? "file" : "anon";
      continue;
    }
    if (!line.startsWith("Rss:")) continue;
    const kb = Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
    if (kind === "brk") brkHeapRss += kb;
    else if (kind === "anon") otherAnonRss += kb;
    else fileRss += kb;
  }
  return { brkHeapRss, otherAnonRss, fileRss };
}
