// The part every server process shares: announce that it listens, then obey the driver.
//
// A server file only builds its server and hands a Broadcaster to serveControl(); the stamping
// of broadcasts, sequence numbering and memory reporting happen here, identically for all.
import type { BroadcastSpec, ControlCommand, ControlReply, ListeningNotice, ServerMem } from "../protocol/control";
import { LISTENING_TAG } from "../protocol/control";
import type { PayloadName } from "../protocol/payloads";
import { stampUs } from "../lib/clock";
import { writeFileSync } from "node:fs";
import { findSourceMap } from "node:module";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";

/** What a server under test must do for the control loop. */
export interface Broadcaster {
  /** Emit one broadcast `m(seq, stampUs, payload)` to spec.rooms except spec.except. */
  broadcast(seq: number, stamp: number, spec: BroadcastSpec, payload: PayloadName): void;
  /** Called after the last broadcast of a command (the bare floor flushes its per-socket batches). */
  endBurst?(): void;
  connections(): number;
}

export function announce(notice: Omit<ListeningNotice, "type" | "pid">): void {
  const full: ListeningNotice = { type: "listening", pid: process.pid, ...notice };
  // stdout for humans and for anyone starting the server by hand; IPC for the driver.
  process.stdout.write(`${LISTENING_TAG}${JSON.stringify(full)}\n`);
  if (notice.uwsNative === true) process.stdout.write(`${notice.kind}: native uWebSockets.js binary loaded\n`);
  if (notice.native) {
    process.stdout.write(`${notice.kind}: src/native on ${notice.native.native ? "the C++ addon" : "the TypeScript twin"} (${notice.native.reason})\n`);
  }
  process.send?.(full);
}

export function serveControl(b: Broadcaster): void {
  const profileDir = process.env.LOADTEST_PROFILE_DIR;
  if (profileDir) process.once("exit", () => writeSourceMaps(profileDir));
  const reply = (r: ControlReply) => process.send?.(r);
  process.on("message", (raw: unknown) => {
    const c = raw as ControlCommand;
    try {
      switch (c.cmd) {
        case "broadcast":
          // One synchronous loop: `count` > 1 queues several broadcasts behind each other,
          // which is the "several in flight" case; each carries the time it was emitted.
          for (let i = 0; i < c.count; i++) {
            const seq = c.from + i;
            b.broadcast(seq, stampUs(), c.pattern[seq % c.pattern.length], c.payload);
          }
          b.endBurst?.();
          reply({ id: c.id, ok: true });
          break;
        case "gc":
          (globalThis as { gc?: () => void }).gc?.();
          reply({ id: c.id, ok: true });
          break;
        case "mem":
          reply({ id: c.id, ok: true, mem: memNow(b) });
          break;
        case "heapsnapshot":
          writeHeapSnapshot(c.path);
          reply({ id: c.id, ok: true });
          break;
        case "exit":
          process.exit(0);
      }
    } catch (err) {
      if ("id" in c) reply({ id: c.id, ok: false, error: String((err as Error).stack ?? err) });
    }
  });
  // The driver owns this process: when it goes away, so do we (no orphaned servers).
  process.on("disconnect", () => process.exit(0));
}

function memNow(b: Broadcaster): ServerMem {
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    connections: b.connections(),
  };
}

/**
 * Under --profile: writes the source maps of every TypeScript module this process loaded
 * (tsx keeps them, with source maps enabled) to `<dir>/sourcemaps-<pid>.json`, so the profile
 * summary can turn positions in tsx's whitespace-minified output back into file:line.
 * Runs in the `exit` handler, before V8 writes the profile.
 */
function writeSourceMaps(dir: string): void {
  try {
    const maps: Record<string, unknown> = {};
    for (const file of Object.keys(require.cache)) {
      if (!/\.[cm]?tsx?$/.test(file) || file.includes("/node_modules/")) continue;
      const sm = findSourceMap(file);
      if (sm) maps[file] = sm.payload;
    }
    writeFileSync(join(dir, `sourcemaps-${process.pid}.json`), JSON.stringify(maps));
  } catch (err) {
    process.stderr.write(`profile: could not write source maps: ${String(err)}\n`);
  }
}
