// `npm run soak -- --minutes M --clients N [--server hyperio|upstream|both] [--recovery on|off] ...`
export interface SoakOptions {
  minutes: number;
  clients: number;
  servers: Array<"hyperio" | "upstream">;
  recovery: boolean;
  recoveryWindowMs: number;
  /** Off, or a 3-node cluster on one of the official Redis adapters. */
  cluster: "off" | "pubsub" | "streams";
  faults: boolean;
  /** Share of the proxied connections cut per minute, at random moments. */
  cutPerMinute: number;
  delayShare: number;
  delayMs: number;
  stallShare: number;
  stallMs: number;
  /** When the reconnect storm (half the clients cut at once) happens, as a fraction of the run; <0: none. */
  stormAt: number;
  stormShare: number;
  /** Server-side disconnectSockets() on one kick room this often, s (0: never). */
  kickEverySec: number;
  broadcastsPerSec: number;
  directEveryMs: number;
  ackEveryMs: number;
  emitEveryMs: number;
  volatilePerSec: number;
  slowBytes: number;
  churnShare: number;
  /** Connect/disconnect cycles after the soak (memory must come back). */
  cycles: number;
  /** With recovery on, the cycles' baseline and final readings wait for the recovery window to pass (else read at once). */
  cyclesWait: boolean;
  /** With recovery on and cyclesWait, also read after the window every K-th cycle (0: first and last only). */
  cyclesWaitEvery: number;
  /** The cycles alone on a fresh server, no soak before them. */
  cyclesOnly: boolean;
  /** With --cycles-only and recovery on: a V8 heap snapshot of the server into this directory at each reading after the window ("": none). */
  heapSnapshots: string;
  /** Extra node flags for the server processes (diagnostics, e.g. --max-semi-space-size=1). */
  serverFlags: string[];
  /** Extra environment for the server processes (diagnostics, e.g. MALLOC_ARENA_MAX=2). */
  serverEnv: Record<string, string>;
  hyperioCode: "build" | "tsx";
  out: string;
  quiet: boolean;
}

export const HELP = `npm run soak -- [options]
  --minutes M            length of the soak (default 1; fractions allowed)
  --clients N            clients on the server (default 10000; 10% long-polling, 1% stop reading)
  --server S             hyperio | upstream | both (default hyperio; both: side by side, one after the other)
  --recovery on|off      connectionStateRecovery on the server (default on)
  --recovery-window MS   maxDisconnectionDuration (default 120000)
  --cluster C            off | pubsub | streams: 3 nodes on @socket.io/redis-adapter or
                         @socket.io/redis-streams-adapter, redis-server restarted mid-run, one node killed
  --faults on|off        the fault proxy's cuts, delays and stalls, the storm, kicks (default on)
  --cut-per-minute F     share of connections cut per minute (default 0.02)
  --storm-at F           reconnect storm at this fraction of the run (default 0.5; -1: none)
  --kick-every S         io.in(room).disconnectSockets() every S seconds (default 15)
  --broadcasts R         broadcasts per second (default 10)
  --slow-bytes B         bulk message sent 5 times a second to the 1% of clients that stop reading
                         (default 131072: the kernel's buffers (~4 MB on loopback) and a 4 MiB cap
                         fill in ~13 s, well inside the 45 s ping deadline; 0: none)
  --cycles K             connect/disconnect cycles of N clients after the soak (default 10; 0: none)
  --cycles-wait on|off   with recovery on, read the baseline (after cycle 1) and the last cycle once the
                         recovery window has passed and the emits it keeps are dropped (default on; up to
                         window + 75 s each); off: read at once, kept packets included
  --cycles-wait-every K  with recovery on, also read after the window every K-th cycle (default 0: first and last)
  --cycles-only          run only the cycles, on a fresh server (no soak before them)
  --heap-snapshots DIR   with --cycles-only and recovery on: a V8 heap snapshot of the server at each reading
                         after the window, into DIR (to diff what the heap holds across cycles)
  --server-flags "F ..." extra node flags for the server processes (e.g. "--max-semi-space-size=1")
  --server-env "K=V ..." extra environment for the server processes (e.g. "MALLOC_ARENA_MAX=2")
  --hyperio-code build|tsx  hyperio from a tsc build of src/ (default) or src/ through tsx
  --out DIR              report directory (default loadtest/results)
  --quiet                no progress line`;

export function parseOptions(argv: string[]): SoakOptions {
  const o: SoakOptions = {
    minutes: 1,
    clients: 10000,
    servers: ["hyperio"],
    recovery: true,
    recoveryWindowMs: 120000,
    cluster: "off",
    faults: true,
    cutPerMinute: 0.02,
    delayShare: 0.1,
    delayMs: 50,
    stallShare: 0.05,
    stallMs: 3000,
    stormAt: 0.5,
    stormShare: 0.5,
    kickEverySec: 15,
    broadcastsPerSec: 10,
    directEveryMs: 2000,
    ackEveryMs: 4000,
    emitEveryMs: 2000,
    volatilePerSec: 2,
    slowBytes: 131072,
    churnShare: 0.05,
    cycles: 10,
    cyclesWait: true,
    cyclesWaitEvery: 0,
    cyclesOnly: false,
    serverFlags: [],
    serverEnv: {},
    heapSnapshots: "",
    hyperioCode: "build",
    out: "",
    quiet: false,
  };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${flag} needs a number`);
    return n;
  };
  const onOff = (flag: string, v: string | undefined): boolean => {
    if (v !== "on" && v !== "off") throw new Error(`${flag} takes on or off`);
    return v === "on";
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    const take = () => i++;
    switch (a) {
      case "--minutes": o.minutes = num(a, v); take(); break;
      case "--clients": o.clients = Math.floor(num(a, v)); take(); break;
      case "--server":
        if (v !== "hyperio" && v !== "upstream" && v !== "both") throw new Error("--server takes hyperio, upstream or both");
        o.servers = v === "both" ? ["hyperio", "upstream"] : [v];
        take();
        break;
      case "--recovery": o.recovery = onOff(a, v); take(); break;
      case "--recovery-window": o.recoveryWindowMs = num(a, v); take(); break;
      case "--cluster":
        if (v !== "off" && v !== "pubsub" && v !== "streams") throw new Error("--cluster takes off, pubsub or streams");
        o.cluster = v;
        take();
        break;
      case "--faults": o.faults = onOff(a, v); take(); break;
      case "--cut-per-minute": o.cutPerMinute = num(a, v); take(); break;
      case "--storm-at": o.stormAt = num(a, v); take(); break;
      case "--kick-every": o.kickEverySec = num(a, v); take(); break;
      case "--broadcasts": o.broadcastsPerSec = num(a, v); take(); break;
      case "--slow-bytes": o.slowBytes = Math.floor(num(a, v)); take(); break;
      case "--cycles": o.cycles = Math.floor(num(a, v)); take(); break;
      case "--cycles-wait": o.cyclesWait = onOff(a, v); take(); break;
      case "--cycles-wait-every": o.cyclesWaitEvery = Math.floor(num(a, v)); take(); break;
      case "--cycles-only": o.cyclesOnly = true; break;
      case "--heap-snapshots": o.heapSnapshots = v ?? ""; take(); break;
      case "--server-flags": o.serverFlags = (v ?? "").split(/\s+/).filter(Boolean); take(); break;
      case "--server-env":
        for (const kv of (v ?? "").split(/\s+/).filter(Boolean)) {
          const eq = kv.indexOf("=");
          if (eq <= 0) throw new Error(`--server-env takes K=V pairs, got ${kv}`);
          o.serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
        }
        take();
        break;
      case "--hyperio-code":
        if (v !== "build" && v !== "tsx") throw new Error("--hyperio-code takes build or tsx");
        o.hyperioCode = v;
        take();
        break;
      case "--out": o.out = v ?? ""; take(); break;
      case "--quiet": o.quiet = true; break;
      case "--help": case "-h": throw new Error(HELP);
      default: throw new Error(`unknown option ${a}\n${HELP}`);
    }
  }
  if (o.clients < 1) throw new Error("--clients must be at least 1");
  if (o.minutes <= 0) throw new Error("--minutes must be positive");
  return o;
}
