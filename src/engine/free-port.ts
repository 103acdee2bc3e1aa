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
import { createServer, type AddressInfo } from "node:net";

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
