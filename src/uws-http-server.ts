// UwsHttpServer: what `io.httpServer` is on the uWS backend (`new Server(port)`,
// `io.listen(port)`). Upstream socket.io creates an `http.Server` there, and applications
// and test suites read it: `io.httpServer.address().port`, `io.httpServer.on("listening")`,
// `io.httpServer.close(cb)`. This class stands for the uWS listen socket and gives those
// parts the same shape and the same event order and timing as node's `net.Server`.
import { EventEmitter } from "node:events";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { constants as osConstants } from "node:os";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { CHOSEN_PORT_ATTEMPTS, freePortNow } from "./engine/free-port";
import { alreadyListening, serverNotRunning } from "./errors";

const debug = createDebug("hyperio:uws-http-server");

/** The uWS module functions this class needs (passed in, so it loads nothing itself). */
export interface UwsListenApi {
  us_listen_socket_close(ls: uWS.us_listen_socket): void;
  us_socket_local_port(s: uWS.us_socket): number;
}

/**
 * uWS's listen option for node's semantics: SO_REUSEADDR without SO_REUSEPORT, so a port
 * another listener holds (another hyperio server too) fails with EADDRINUSE, as on node.
 * (The value of uWS's `LIBUS_LISTEN_EXCLUSIVE_PORT`, stable in its C API.)
 */
const LISTEN_EXCLUSIVE_PORT = 1;

/**
 * The listening side of a uWS App, shaped like the parts of node's `http.Server` that
 * applications read. It is `io.httpServer` after `new Server(port)` or `io.listen(port)`.
 *
 * What it has, as node's `http.Server`:
 * - `address()`: `{ address: "::", family: "IPv6", port }` while listening (uWS binds every
 *   interface, IPv6 and IPv4, as node does when no host is given), `null` otherwise.
 * - `listening`: true from `listen` until `close`.
 * - `close(cb)`: stops accepting, then `"close"` is emitted on a later tick and `cb()` runs.
 *   On a server that is not listening, `"close"` is still emitted and `cb` gets an
 *   `ERR_SERVER_NOT_RUNNING` error, exactly as node does. One difference: node waits for
 *   active connections to end before `"close"` and ends only idle ones; this ends every
 *   connection of the App at once (uWS keeps no count to wait on). After `io.close()` the
 *   Socket.IO sessions are closed already, so only idle keep-alive connections remain.
 * - port 0 is bound on a port the OS has free, chosen first (engine/free-port.ts says
 *   why), and an explicit port as node binds it: a port held by another listener (another
 *   hyperio server too) fails with EADDRINUSE.
 * - events: `"listening"` (on the next tick after the bind, never synchronously), `"close"`,
 *   and `"error"` when the port cannot be bound: node's own error object (`code`
 *   `EADDRINUSE` or `EACCES`, `syscall: "listen"`, `address`, `port`), emitted
 *   asynchronously, as upstream's `http.Server` does. As with any EventEmitter, an
 *   `"error"` nobody listens for is thrown (an uncaught exception, as on upstream).
 *
 * What it does not have: it is not an `http.Server`. There is no `"request"`/`"upgrade"`
 * event (uWS routes requests itself; use `io.attachApp(app)` to add routes, or attach to
 * your own `http.Server`), no `listen()` (call `io.listen(port)` again), no `ref()`/`unref()`
 * (a uWS listen socket always keeps the process alive until closed), no
 * `getConnections()`, `maxConnections`, timeouts (`setTimeout`, `headersTimeout`,
 * `keepAliveTimeout`, ...) or `closeAllConnections()`/`closeIdleConnections()`.
 *
 * @example
 * const io = new Server(0);
 * io.httpServer.on("listening", () => console.log(io.httpServer.address().port));
 * await new Promise((resolve) => io.httpServer.close(resolve));
 */
export class UwsHttpServer extends EventEmitter {
  #uws: UwsListenApi | undefined;
  #app: uWS.TemplatedApp | undefined;
  #listenSocket: uWS.us_listen_socket | undefined;
  #port: number | undefined;
  /** Set by _adopt: listen sockets held by I/O threads, closed through it. */
  #stop: ((done: () => void) => void) | undefined;

  /** true while the uWS App accepts connections (as `http.Server#listening`). */
  get listening(): boolean {
    return this.#listenSocket !== undefined || this.#stop !== undefined;
  }

  /** The bound address while listening, as `net.Server#address()`; null otherwise. */
  address(): AddressInfo | null {
    if ((this.#listenSocket === undefined && this.#stop === undefined) || this.#port === undefined) return null;
    // uWS binds the IPv6 wildcard with IPv4 mapped in when no host is given: node reports
    // that bind as "::" / IPv6 too.
    return { address: "::", family: "IPv6", port: this.#port };
  }

  /**
   * @internal Binds `app` to `port` on every interface (uWS binds synchronously). Returns
   * the bound port, or undefined when the bind failed; the failure is then reported by an
   * asynchronous `"error"` event, as node reports it.
   */
  _listen(uws: UwsListenApi, app: uWS.TemplatedApp, port: number): number | undefined {
    if (this.#listenSocket !== undefined) throw alreadyListening("hyperio: this uWS server is already listening");
    const listenSocket = bindListenSocket(app, port);
    if (!listenSocket) {
      debug("cannot listen on port %d", port);
      reportListenError(this, port);
      return undefined;
    }
    this.#uws = uws;
    this.#app = app;
    this.#listenSocket = listenSocket;
    this.#port = uws.us_socket_local_port(listenSocket as unknown as uWS.us_socket);
    debug("listening on port %d", this.#port);
    // node emits "listening" on the next tick, so a listener added right after
    // `new Server(port)` still sees it.
    process.nextTick(() => this.emit("listening"));
    return this.#port;
  }

  /**
   * @internal Stands for a port bound by the I/O threads of `ioThreads` (they hold the listen
   * sockets); `stop(done)` shuts them down and calls `done` once they are gone.
   */
  _adopt(port: number, stop: (done: () => void) => void): void {
    if (this.listening) throw alreadyListening("hyperio: this uWS server is already listening");
    this.#port = port;
    this.#stop = stop;
    process.nextTick(() => this.emit("listening"));
  }

  /**
   * Stops listening and ends the App's connections; `"close"` follows on a later tick, then
   * `cb()`. When not listening, `cb` gets an `ERR_SERVER_NOT_RUNNING` error (as node's).
   */
  close(cb?: (err?: Error) => void): this {
    const stop = this.#stop;
    if (stop !== undefined) {
      this.#stop = undefined;
      if (typeof cb === "function") this.once("close", () => cb());
      stop(() => this.emit("close"));
      return this;
    }
    const ls = this.#listenSocket;
    if (typeof cb === "function") {
      if (ls === undefined) this.once("close", () => cb(notRunningError()));
      else this.once("close", () => cb());
    }
    if (ls === undefined) {
      process.nextTick(() => this.emit("close"));
      return this;
    }
    const app = this.#app;
    this.#uws!.us_listen_socket_close(ls);
    this.#listenSocket = undefined;
    this.#app = undefined;
    this.#uws = undefined;
    debug("closed port %d", this.#port);
    // Responses the engine deferred to the end of this loop turn go out first; then the
    // App's remaining (idle keep-alive) connections are ended, so nothing keeps the process
    // alive. `app.close()` exists natively but is missing from the uWS typings.
    setImmediate(() => {
      const closable = app as unknown as { close?: () => void };
      if (typeof closable.close === "function") closable.close();
      this.emit("close");
    });
    return this;
  }
}

/** Binds `port` on every interface; uWS calls back synchronously, with false on failure. */
function listenOn(app: uWS.TemplatedApp, port: number): uWS.us_listen_socket | false {
  let listenSocket: uWS.us_listen_socket | false = false;
  app.listen(port, LISTEN_EXCLUSIVE_PORT as uWS.ListenOptions, (s) => {
    listenSocket = s;
  });
  return listenSocket;
}

/**
 * Binds the App. For port 0, on a port chosen first (engine/free-port.ts says why: a uWS
 * port-0 bind could not be bound again for a minute after the server closed connections).
 */
function bindListenSocket(app: uWS.TemplatedApp, port: number): uWS.us_listen_socket | false {
  if (port !== 0) return listenOn(app, port);
  for (let i = 0; i < CHOSEN_PORT_ATTEMPTS; i++) {
    let candidate: number;
    try {
      candidate = freePortNow();
    } catch (err) {
      debug("no free port from the OS: %s", (err as Error).message);
      break;
    }
    const listenSocket = listenOn(app, candidate);
    if (listenSocket) return listenSocket;
    debug("port %d was taken meanwhile", candidate);
  }
  return listenOn(app, 0);
}

/** The error node's `server.close(cb)` reports for a server that is not listening (node's code). */
const notRunningError = serverNotRunning;

/**
 * uWS only says that a bind failed, not why. A node listen on the same port and interfaces
 * (what upstream's http.Server does) gets the real errno, so the error emitted is node's own
 * (EADDRINUSE, EACCES, ...). Should that probe succeed (the port was freed in between), the
 * error says EADDRINUSE, the usual cause.
 */
function reportListenError(server: UwsHttpServer, port: number): void {
  const probe = createNetServer();
  probe.once("error", (err) => server.emit("error", err));
  probe.once("listening", () => {
    probe.close();
    const err = Object.assign(new Error(`listen EADDRINUSE: address already in use :::${port}`), {
      code: "EADDRINUSE",
      errno: -osConstants.errno.EADDRINUSE,
      syscall: "listen",
      address: "::",
      port,
    });
    server.emit("error", err);
  });
  probe.listen(port);
}
