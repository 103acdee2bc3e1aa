// A throwaway redis-server for the adapter tests: one process per test file, on a free
// loopback port, with no persistence, in a temp dir removed afterwards.
//
// Availability policy: without the `redis-server` binary the tests skip with one line naming
// the Debian package, except under CI (process.env.CI set), where a missing binary must fail
// the run loudly instead of letting a green suite hide untested adapters.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BINARY = "redis-server";
/** Failure guard for start-up: generous, only hit when something is broken. */
const START_TIMEOUT_MS = 10_000;
/** A port picked in advance can be taken by someone else before redis binds it. */
const START_ATTEMPTS = 3;

export interface RedisProcess {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Whether the binary is on PATH. */
export function redisServerInstalled(): boolean {
  const probe = spawnSync(BINARY, ["--version"], { stdio: "ignore" });
  return !probe.error && probe.status === 0;
}

/**
 * The `skip` option for node:test: a one-line reason when redis-server is missing outside
 * CI, false otherwise (under CI a missing binary makes `startRedis` throw, failing the test).
 */
export function skipWithoutRedis(): string | false {
  if (redisServerInstalled() || process.env.CI) return false;
  return "redis-server not installed (apt-get install redis-server)";
}

/** A port the OS considers free right now (bound to 0, read, released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once a raw RESP `PING` on `port` gets `+PONG`; rejects on any socket error. */
function pingOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let reply = "";
    sock.setTimeout(1000, () => sock.destroy(new Error("ping timed out")));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (!reply.includes("\r\n")) return;
      sock.destroy();
      if (reply.startsWith("+PONG")) resolve();
      else reject(new Error(`unexpected PING reply ${JSON.stringify(reply)}`));
    });
    sock.on("error", reject);
  });
}

/** Polls PING until it answers, the process exits, or the start-up guard expires. */
async function waitUntilAnswering(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited during start-up (code ${child.exitCode}):\n${log()}`);
    }
    try {
      await pingOnce(port);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on ${port}: ${err}\n${log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // SIGTERM lets redis close its clients; the guard covers a process that ignores it.
    const guard = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(guard);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function startOnce(): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "hyperio-redis-"));
  const child = spawn(
    BINARY,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  // A test process that dies must not leave redis behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const cleanup = async () => {
    await stopProcess(child);
    process.removeListener("exit", killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    await waitUntilAnswering(port, child, () => output);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop: cleanup };
}

/**
 * Starts redis-server on a free port and resolves once it answers PING.
 *
 * @example
 * const redis = await startRedis();
 * const client = createClient({ url: redis.url });
 * ...
 * await redis.stop();
 */
export async function startRedis(): Promise<RedisProcess> {
  if (!redisServerInstalled()) {
    throw new Error(`${BINARY} is not installed (apt-get install redis-server); the Redis adapter tests need it`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce();
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
