// Choosing the port of a uWS "listen on port 0" ourselves.
//
// uSockets sets SO_REUSEADDR on a listen socket only when it is given an explicit port.
// Bound to port 0, every connection the server closes first (uWS closes TCP first after a
// WebSocket close handshake; close() ends idle keep-alive connections) leaves a TIME_WAIT
// entry without that flag, and for about a minute nobody can bind the port again (measured:
// neither uWS nor node). So "listen on 0, close, listen again on the port we got" (what
// restarts and test suites do, and what works on node's http.Server, which always sets
// SO_REUSEADDR) would fail. Taking a port the OS has free and binding it explicitly avoids
// that; should another process take it in between, the caller tries another, and in the end
// binds port 0 itself.
//
// I/O threads (`ioThreads`) bind one port with SO_REUSEPORT, which Linux also grants to any
// other socket of the same user that sets it (another hyperio with threads, a uWS App or
// engine.listen on an explicit port): the kernel would then split new connections between
// that process and ours, and clients reaching a process that does not serve them hang. So
// after binding, the threaded listen checks that every listener on the port is ours
// (othersListeningOn) and gives the port up otherwise.
import { createServer, type AddressInfo } from "node:net";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Ports tried for a port-0 listen before binding port 0 itself. */
export const CHOSEN_PORT_ATTEMPTS = 5;

/**
 * Ports chosen by bindChosenPort and not yet bound. Its probe is asynchronous, so two
 * listen(0) calls of this process could be handed the same free port, and uWS (SO_REUSEPORT
 * on an explicit port) would let both bind it and split its connections: a port chosen for
 * one is never handed to another until its bind is over.
 */
const pendingPorts = new Set<number>();

/**
 * A port free right now on every interface, synchronously: a node listen on port 0
 * without a host binds at once, and its close releases the port at once (a listener
 * that accepted nothing leaves no TIME_WAIT). Throws when the OS has no port to give.
 */
export function freePortNow(): number {
  const probe = createServer();
  // A failed bind is reported on a later tick: address() is then null and we throw.
  probe.on("error", () => {});
  probe.listen(0);
  const address = probe.address() as AddressInfo | null;
  probe.close();
  if (!address) throw new Error("no free port");
  return address.port;
}

/**
 * Whether `port` is free right now on every interface, synchronously (as freePortNow). A
 * uWS listen sets SO_REUSEPORT, so binding a port another hyperio process (with I/O threads)
 * holds would succeed and split its connections; a node bind, without that flag, fails then.
 */
export function portFreeNow(port: number): boolean {
  const probe = createServer();
  probe.on("error", () => {});
  probe.listen(port);
  const free = probe.address() !== null;
  probe.close();
  return free;
}

/** A port free right now on `host` (every interface when undefined). */
export function freePort(host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Binds through `bind` on a port chosen as above for a port-0 listen; any other port is
 * bound as given. Resolves with the bound port; rejects with the last failure.
 */
export async function bindChosenPort(port: number, host: string | undefined, bind: (port: number) => Promise<number>): Promise<number> {
  if (port !== 0) return bind(port);
  for (let i = 0; i < CHOSEN_PORT_ATTEMPTS; i++) {
    let candidate: number;
    try {
      candidate = await freePort(host);
    } catch {
      break;
    }
    if (pendingPorts.has(candidate)) continue;
    pendingPorts.add(candidate);
    try {
      return await bind(candidate);
    } catch {
      // taken in between: try another
    } finally {
      pendingPorts.delete(candidate);
    }
  }
  return bind(0);
}

/** TCP state LISTEN in /proc/net/tcp{,6}. */
const TCP_LISTEN = "0A";

/**
 * How many TCP listening sockets on `port` (any address, IPv4 or IPv6) belong to another
 * process, from /proc (Linux; 0 where /proc cannot be read). Costs a read of the socket
 * tables and of this process's descriptors: for a listen, never a hot path.
 */
export function othersListeningOn(port: number): number {
  const hexPort = ":" + port.toString(16).toUpperCase().padStart(4, "0");
  const inodes: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "latin1");
    } catch {
      continue;
    }
    // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    for (const line of text.split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === TCP_LISTEN && f[1].endsWith(hexPort)) inodes.push(f[9]);
    }
  }
  if (inodes.length === 0) return 0;
  const ours = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      if (link.startsWith("socket:[")) ours.add(link.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  let others = 0;
  for (const inode of inodes) if (!ours.has(inode)) others++;
  return others;
}
