// @socket.io/admin-ui: `instrument(io, { auth: false, mode: "development" })` on a server,
// observed the way the real admin UI observes it: an official socket.io-client connected to
// the "/admin" namespace, recording every event the package sends. The same steps run on
// upstream socket.io 4.8 (its own assertions must hold) and on hyperio (same assertions, and
// the normalised event log must equal upstream's).
//
// Protocol of the installed version (0.5.x), read from its dist/: on connection the admin
// socket gets `config` then `all_sockets` (there is no `fetch_sockets` request in this
// version); `server_stats` every 2 s; in development mode `socket_connected`,
// `socket_updated`, `socket_disconnected`, `room_joined`, `room_left`, `event_received`,
// `event_sent`; it accepts `emit`, `join`, `leave` and `_disconnect` actions.
//
// The log is cut into steps by a marker the server emits on "/admin" once a step's effects
// are certain to have happened (so each step's events are complete when compared); inside a
// step events are sorted, since the order of, say, several room_joined is not the contract.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, globalAgent } from "node:http";
import { instrument } from "@socket.io/admin-ui";
import { Server as UpstreamServer } from "socket.io";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { GUARD_MS, nextEvent, until } from "../adapter/cluster";
import { Server as HyperioServer } from "../../src/index";

/**
 * hyperio runs three times: on uWS (`listen(0)`), on node:http (`new Server(httpServer)`, as
 * admin-ui's README shows), and on uWS with metrics on (`metrics: { path: "/metrics" }`, read
 * and scraped throughout the run, as an operator's watcher would).
 */
type Impl = "upstream" | "hyperio" | "hyperio-node" | "hyperio-metrics";
const MARKER = "__step__";
/** The admin UI's stats period is 2 s: one stats event is awaited with this guard. */
const STATS_GUARD_MS = 6000;

interface Run {
  impl: Impl;
  io: any;
  port: number;
  admin: ClientSocket;
  /** Every event the admin client received: [event, ...args]. */
  log: unknown[][];
  /** Labels by socket id and by engine id prefix (what admin-ui calls clientId). */
  names: Map<string, string>;
  clients: Map<string, ClientSocket>;
  /** Step markers sent so far (numbered per run: their bytes count in the stats). */
  markers: number;
  /** hyperio-metrics: the last /metrics exposition text scraped before close. */
  scraped?: string;
  close(): Promise<void>;
}

/** Labels come from the client's auth, set before the admin's connection listener copies data. */
function labelFromAuth(socket: any, next: () => void): void {
  socket.data.label = socket.handshake.auth.label;
  next();
}

/** Starts a server instrumented as the admin-ui README shows (the admin client connects later). */
async function start(impl: Impl): Promise<Run> {
  let io: any;
  let port: number;
  let httpServer: ReturnType<typeof createServer> | undefined;
  if (impl === "hyperio" || impl === "hyperio-metrics") {
    io = new HyperioServer(impl === "hyperio-metrics" ? { metrics: { path: "/metrics" } } : {});
    io.listen(0);
    port = io.port;
  } else {
    httpServer = createServer();
    io = impl === "upstream" ? new UpstreamServer(httpServer) : new HyperioServer(httpServer);
    // no host, as `new Server(port)` listens (dual-stack, like uWS): both report the
    // client address as "::ffff:127.0.0.1"
    await new Promise<void>((r) => httpServer!.listen(0, r));
    port = (httpServer.address() as { port: number }).port;
  }
  io.use(labelFromAuth);
  io.on("connection", (socket: any) => {
    socket.on("ask", (x: unknown, cb: (v: unknown) => void) => cb(`answer ${x}`));
    socket.on("hello", () => {});
  });
  // instrument() is typed with socket.io's Server class, whose private members no other class
  // can match, so TypeScript users of hyperio need this cast too (runtime needs nothing).
  instrument(io as InstanceType<typeof UpstreamServer>, { auth: false, mode: "development" });
  // Metrics on: read io.metrics() and scrape /metrics while the scenario runs.
  const watcher =
    impl === "hyperio-metrics"
      ? setInterval(() => {
          io.metrics();
          fetch(`http://127.0.0.1:${port}/metrics`).then((r: Response) => r.text(), () => {});
        }, 200)
      : undefined;
  const run: Run = {
    impl,
    io,
    port,
    admin: undefined as unknown as ClientSocket,
    log: [],
    names: new Map(),
    clients: new Map(),
    markers: 0,
    async close() {
      if (watcher !== undefined) {
        clearInterval(watcher);
        run.scraped = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      }
      // the admin client is among them
      for (const c of run.clients.values()) c.disconnect();
      await io.close();
      globalAgent.destroy();
    },
  };
  return run;
}

/** Connects an official client (labelled, for normalisation) and waits for `connect`. */
async function connect(run: Run, label: string, nsp: string, transports: string[]): Promise<ClientSocket> {
  const client = ioc(`http://127.0.0.1:${run.port}${nsp}`, { forceNew: true, reconnection: false, transports, auth: { label } });
  run.clients.set(label, client);
  await nextEvent(client, "connect");
  run.names.set(client.id!, label);
  run.names.set((client.io as any).engine.id.substring(0, 12), `${label}#client`);
  return client;
}

/** The admin client, as the UI connects it (WebSocket, "/admin", no credentials with auth: false). */
async function connectAdmin(run: Run): Promise<void> {
  const admin = ioc(`http://127.0.0.1:${run.port}/admin`, { forceNew: true, reconnection: false, transports: ["websocket"] });
  run.admin = admin;
  run.clients.set("admin", admin);
  admin.onAny((event: string, ...args: unknown[]) => run.log.push([event, ...args]));
  await nextEvent(admin, "connect");
  run.names.set(admin.id!, "admin");
  run.names.set((admin.io as any).engine.id.substring(0, 12), "admin#client");
}

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Ids become labels, dates and clock readings become placeholders, request headers become
 * their sorted names (values carry ports and random WebSocket keys), the cache-busting `t`
 * query parameter is blanked.
 */
function normalize(run: Run, v: unknown, key = ""): unknown {
  if (key === "time" && typeof v === "string") return "<time>";
  if (typeof v === "string") {
    if (run.names.has(v)) return run.names.get(v);
    if (ISO_DATE.test(v)) return "<date>";
    if (key === "url") return v.replace(/([?&]t=)[^&]*/, "$1<t>");
    if (key === "t") return "<t>";
    return v;
  }
  if (typeof v === "number" && ["issued", "uptime", "timestamp", "pid"].includes(key)) return `<${key}>`;
  if (Array.isArray(v)) return v.map((x) => normalize(run, x));
  if (v && typeof v === "object") {
    if (key === "headers") return Object.keys(v).sort();
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [run.names.get(k) ?? k, normalize(run, x, k)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  }
  return v;
}

/** Everything the admin received since `from`, up to a marker the server sends now; stats left out. */
async function cut(run: Run, from: number): Promise<unknown[]> {
  // room_left is emitted on process.nextTick after the adapter's event: let it go first
  await new Promise((r) => setImmediate(r));
  const token = ++run.markers;
  run.io.of("/admin").emit(MARKER, token);
  await until(() => run.log.some((e) => e[0] === MARKER && e[1] === token), `marker ${token}`);
  const end = run.log.findIndex((e) => e[0] === MARKER && e[1] === token);
  return run.log
    .slice(from, end)
    .filter((e) => e[0] !== "server_stats" && e[0] !== MARKER)
    .map((e) => normalize(run, e))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** The next server_stats the admin receives after now. */
async function nextStats(run: Run): Promise<any> {
  const [stats] = await nextEvent(run.admin, "server_stats", STATS_GUARD_MS);
  return stats;
}

/**
 * The engine counters (aggregatedEvents) summed per type and subType over the stats events
 * after `first` up to `last` (each reports what happened since the one before).
 *
 * The stats events themselves are counted as packets out too, and how many fall in the
 * window depends on the 2 s timer's phase: each one between `first` (included) and `last`
 * (excluded) is taken back out, its bytes being its encoded form (the client decoded it from
 * JSON, so re-encoding gives the same text).
 */
function aggregated(run: Run, first: unknown, last: unknown): Record<string, number> {
  const from = run.log.findIndex((e) => e[1] === first);
  const to = run.log.findIndex((e) => e[1] === last);
  assert.ok(from >= 0 && to > from, "stats events in the log");
  const out: Record<string, number> = {};
  const add = (k: string, n: number) => (out[k] = (out[k] ?? 0) + n);
  for (let i = from; i <= to; i++) {
    const e = run.log[i];
    if (e[0] !== "server_stats") continue;
    if (i > from) {
      for (const a of (e[1] as any).aggregatedEvents as Array<{ type: string; subType?: string; count: number }>) {
        add(a.subType ? `${a.type}:${a.subType}` : a.type, a.count);
      }
    }
    if (i < to) {
      add("packetsOut", -1);
      add("bytesOut", -Buffer.byteLength(`42/admin,${JSON.stringify(e)}`));
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

const names = (events: unknown[]) => (events as unknown[][]).map((e) => e[0]);

/** The whole scenario; returns the normalised observations. */
async function scenario(impl: Impl): Promise<Record<string, unknown>> {
  const run = await start(impl);
  const steps: Record<string, unknown> = {};
  try {
    // a socket that exists before the admin connects: only all_sockets reports it
    const aws = await connect(run, "A.ws", "/", ["websocket"]);
    const serverSocket = (label: string, nsp = "/") => [...run.io.of(nsp).sockets.values()].find((s: any) => s.data.label === label);
    serverSocket("A.ws").join("r0");

    let from = run.log.length;
    await connectAdmin(run);
    await until(() => run.log.some((e) => e[0] === "all_sockets"), "all_sockets");
    steps.adminConnects = await cut(run, from);
    assert.deepEqual(names(steps.adminConnects as unknown[]).filter((n) => n === "config" || n === "all_sockets"), ["all_sockets", "config"]);
    const config = (steps.adminConnects as unknown[][]).find((e) => e[0] === "config")![1] as { supportedFeatures: string[] };
    assert.deepEqual([...config.supportedFeatures].sort(), ["AGGREGATED_EVENTS", "ALL_EVENTS", "DISCONNECT", "EMIT", "JOIN", "LEAVE", "MDISCONNECT", "MJOIN", "MLEAVE"]);
    const all = (steps.adminConnects as unknown[][]).find((e) => e[0] === "all_sockets")![1] as any[];
    assert.deepEqual(all.map((s) => [s.id, s.nsp, s.transport, s.rooms]).sort(), [
      ["A.ws", "/", "websocket", ["A.ws", "r0"]],
      ["admin", "/admin", "websocket", ["admin"]],
    ]);

    // a polling socket on "/" and a WebSocket one on a namespace created after instrument()
    from = run.log.length;
    const bpoll = await connect(run, "B.poll", "/", ["polling"]);
    steps.pollingConnects = await cut(run, from);
    from = run.log.length;
    run.io.of("/chat").use(labelFromAuth);
    await connect(run, "chat:C.ws", "/chat", ["websocket"]);
    steps.newNamespaceConnects = await cut(run, from);
    for (const [step, label, nsp, transport] of [
      ["pollingConnects", "B.poll", "/", "polling"],
      ["newNamespaceConnects", "chat:C.ws", "/chat", "websocket"],
    ]) {
      const events = steps[step] as unknown[][];
      assert.deepEqual(names(events), ["room_joined", "socket_connected", "socket_updated"], step);
      const s = events.find((e) => e[0] === "socket_connected")![1] as any;
      assert.deepEqual([s.id, s.nsp, s.transport, s.data, s.clientId], [label, nsp, transport, { label }, `${label}#client`]);
      assert.deepEqual(events.find((e) => e[0] === "room_joined"), ["room_joined", nsp, label, label, "<date>"]);
    }

    // a stats snapshot while three clients (and the admin) are connected, one of them polling
    const snapshot = await nextStats(run);
    steps.stats = normalize(run, { ...snapshot, aggregatedEvents: undefined });
    assert.deepEqual([snapshot.clientsCount, snapshot.pollingClientsCount], [4, 1]);
    assert.deepEqual(
      snapshot.namespaces.map((n: any) => [n.name, n.socketsCount]).sort(),
      [["/", 2], ["/admin", 1], ["/chat", 1]],
    );

    // events in both directions, with and without ack, and server-side emits
    from = run.log.length;
    bpoll.emit("hello", 1, { two: [2] });
    assert.equal(await bpoll.timeout(GUARD_MS).emitWithAck("ask", 3), "answer 3");
    const news = nextEvent(aws, "news");
    serverSocket("B.poll").emit("direct", "to B.poll");
    run.io.to("r0").emit("news", "to r0");
    await news;
    steps.events = await cut(run, from);
    const evs = steps.events as unknown[][];
    assert.deepEqual(
      evs.filter((e) => e[0] === "event_received"),
      [
        ["event_received", "/", "B.poll", ["ask", 3], "<date>"],
        ["event_received", "/", "B.poll", ["hello", 1, { two: [2] }], "<date>"],
      ],
    );
    // event_sent comes from onAnyOutgoing, which broadcasts must notify too (A.ws got "news")
    assert.deepEqual(
      evs.filter((e) => e[0] === "event_sent"),
      [
        ["event_sent", "/", "A.ws", ["news", "to r0"], "<date>"],
        ["event_sent", "/", "B.poll", ["direct", "to B.poll"], "<date>"],
      ],
    );

    // the proxy on socket.data reports updates; server-side join and leave
    from = run.log.length;
    serverSocket("B.poll").data.score = 7;
    serverSocket("B.poll").join("r1");
    serverSocket("B.poll").leave("r1");
    steps.dataJoinLeave = await cut(run, from);
    assert.deepEqual(steps.dataJoinLeave, [
      ["room_joined", "/", "r1", "B.poll", "<date>"],
      ["room_left", "/", "r1", "B.poll", "<date>"],
      ["socket_updated", { data: { label: "B.poll", score: 7 }, id: "B.poll", nsp: "/" }],
    ]);

    // admin actions: join (everyone in "/"), leave (filtered), emit (filtered), _disconnect
    from = run.log.length;
    run.admin.emit("join", "/", "r2");
    await until(() => run.io.of("/").adapter.rooms.get("r2")?.size === 2, "everyone in / to join r2");
    steps.adminJoin = await cut(run, from);
    assert.deepEqual(names(steps.adminJoin as unknown[]), ["room_joined", "room_joined"]);

    from = run.log.length;
    run.admin.emit("leave", "/", "r2", "r0");
    await until(() => run.io.of("/").adapter.rooms.get("r2")?.size === 1, "r0 to leave r2");
    steps.adminLeave = await cut(run, from);
    assert.deepEqual(steps.adminLeave, [["room_left", "/", "r2", "A.ws", "<date>"]]);

    from = run.log.length;
    const heard = nextEvent(bpoll, "from-admin");
    run.admin.emit("emit", "/", "r2", "from-admin", "hi", { n: 1 });
    assert.deepEqual(await heard, ["hi", { n: 1 }]);
    steps.adminEmit = await cut(run, from);
    assert.deepEqual(steps.adminEmit, [["event_sent", "/", "B.poll", ["from-admin", "hi", { n: 1 }], "<date>"]]);

    from = run.log.length;
    const awsGone = nextEvent<[string]>(aws, "disconnect");
    run.admin.emit("_disconnect", "/", false, "r0");
    assert.equal((await awsGone)[0], "io server disconnect");
    await until(() => !serverSocket("A.ws"), "A.ws to leave the server");
    steps.adminDisconnect = await cut(run, from);
    assert.ok((steps.adminDisconnect as unknown[][]).some((e) => e[0] === "socket_disconnected" && e[2] === "A.ws" && e[3] === "server namespace disconnect"));

    // a client leaving by itself, then one that upgrades from polling to WebSocket
    from = run.log.length;
    run.clients.get("chat:C.ws")!.disconnect();
    await until(() => run.io.of("/chat").sockets.size === 0, "chat:C.ws to leave");
    steps.clientDisconnect = await cut(run, from);
    assert.deepEqual(steps.clientDisconnect, [
      ["room_left", "/chat", "chat:C.ws", "chat:C.ws", "<date>"],
      ["socket_disconnected", "/chat", "chat:C.ws", "client namespace disconnect", "<date>"],
    ]);

    from = run.log.length;
    const up = await connect(run, "D.up", "/", ["polling", "websocket"]);
    await until(() => (up.io as any).engine.transport.name === "websocket" && serverSocket("D.up")?.conn.transport.name === "websocket", "D.up to upgrade");
    steps.upgrade = await cut(run, from);
    assert.ok((steps.upgrade as unknown[][]).some((e) => JSON.stringify(e) === JSON.stringify(["socket_updated", { id: "D.up", nsp: "/", transport: "websocket" }])));

    from = run.log.length;
    const gone = [bpoll, up].map((c) => nextEvent<[string]>(c, "disconnect"));
    run.admin.emit("_disconnect", "/", true);
    const reasons = (await Promise.all(gone)).map(([r]) => r);
    await until(() => run.io.of("/").sockets.size === 0, "/ to empty");
    steps.adminDisconnectClose = await cut(run, from);
    steps.closeReasons = reasons;

    // what the engine-level counters said over the window (stats after the steps included)
    steps.aggregated = aggregated(run, snapshot, await nextStats(run));
    const agg = steps.aggregated as Record<string, number>;
    assert.equal(agg.rawConnection, 1, "D.up is the one engine connection made in the window");
    assert.ok(agg.packetsIn > 0 && agg.packetsOut > 0 && agg.bytesIn > 0 && agg.bytesOut > 0, JSON.stringify(agg));
    return steps;
  } finally {
    await run.close();
    if (run.scraped !== undefined) steps.scraped = run.scraped;
  }
}

let upstream: Promise<Record<string, unknown>> | undefined;
const upstreamResult = () => (upstream ??= scenario("upstream"));

after(() => globalAgent.destroy());

test("admin-ui (upstream socket.io): instrument() reports sockets, rooms, events and stats; admin actions act", async () => {
  await upstreamResult();
});

for (const impl of ["hyperio", "hyperio-node", "hyperio-metrics"] as const) {
  const backend = impl === "hyperio" ? "uWS" : impl === "hyperio-node" ? "node:http" : "uWS, metrics on";
  test(`admin-ui (hyperio on ${backend}, parity): same events and shapes as upstream`, async () => {
    const expected = await upstreamResult().catch((err) => {
      throw new Error(`upstream run failed, nothing to compare with: ${err}`);
    });
    const actual = await scenario(impl);
    if (impl === "hyperio-metrics") {
      // the exporter served throughout: its last scrape saw the admin namespace's broadcasts
      const scraped = actual.scraped as string;
      delete actual.scraped;
      const broadcasts = /^hyperio_broadcasts_total (\d+)$/m.exec(scraped);
      assert.ok(broadcasts && Number(broadcasts[1]) > 0, scraped);
      assert.match(scraped, /^hyperio_connections\{transport="websocket"\} \d+$/m);
    }
    // step by step, so a failure names the step
    for (const key of Object.keys(expected)) assert.deepEqual(actual[key], expected[key], key);
    assert.deepEqual(Object.keys(actual), Object.keys(expected));
  });
}
