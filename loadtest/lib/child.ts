// Forking the harness's TypeScript processes (servers and client shards).
//
// Every child runs under tsx so no build step stands between an edit and a run, and is tied
// to the driver's lifetime: children exit when the IPC channel closes, and the driver kills
// whatever is left on its own exit, so an interrupted run leaves nothing behind.
import { fork, type ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();

export function forkTs(file: string, opts: { execArgv?: string[]; env?: Record<string, string | undefined>; quiet?: boolean } = {}): ChildProcess {
  // An undefined value removes the variable (rather than passing the string "undefined").
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = fork(file, [], {
    execArgv: ["--import", "tsx", ...(opts.execArgv ?? [])],
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  // Children's output is forwarded as-is except the listening line, which the driver parses
  // from IPC; the stderr of a failing child is what the report quotes.
  child.stdout?.on("data", (d: Buffer) => {
    if (!opts.quiet) process.stderr.write(d);
  });
  return child;
}

/** Collects a child's stderr (last 4 KiB) for error reports. */
export function stderrTail(child: ChildProcess): () => string {
  let tail = "";
  child.stderr?.on("data", (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4096);
  });
  return () => tail;
}

/** Asks a child to leave, then makes sure it did. */
export async function stopChild(child: ChildProcess, farewell: unknown, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    if (child.connected) child.send(farewell as object);
  } catch {
    // channel already closed
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

function killAll(): void {
  for (const c of live) c.kill("SIGKILL");
}
process.once("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}
