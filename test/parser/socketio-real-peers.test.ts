// Real peers: upstream socket.io Server running with our codec as its `parser` option,
// talked to by the official socket.io-client (which uses upstream socket.io-parser). Proves
// the interface is a drop-in and the bytes interoperate both ways, binary and acks included.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { createServer, Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect, Socket as ClientSocket } from "socket.io-client";
import { Socket as EngineClientSocket } from "engine.io-client";
import * as codec from "../../src/parser/socketio";

let http: HttpServer;
let server: Server;
let url: string;
const clients: Array<ClientSocket | EngineClientSocket> = [];

before(async () => {
  http = createServer();
  server = new Server(http, { parser: codec as never });
  server.on("connection", (socket) => {
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop() as (...a: unknown[]) => void;
      ack(...args);
    });
    socket.on("mirror", (payload: unknown) => socket.emit("mirrored", payload));
  });
  server.of("/admin").use((socket, next) => {
    next(socket.handshake.auth.token === "s3cret" ? undefined : new Error("bad token"));
  });
  server.of("/admin").on("connection", (socket) => socket.emit("welcome", socket.handshake.auth));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

after(async () => {
  for (const c of clients) c.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(path = "", opts: Record<string, unknown> = {}): ClientSocket {
  const socket = connect(url + path, { forceNew: true, reconnection: false, ...opts });
  clients.push(socket);
  return socket;
}

for (const transport of ["websocket", "polling"]) {
  test(`events, acks and binary round-trip over ${transport}`, { timeout: 5000 }, async () => {
    const socket = client("", { transports: [transport] });
    await new Promise<void>((resolve, reject) => {
      socket.on("connect", resolve);
      socket.on("connect_error", reject);
    });
    const payload = { text: "héllo 😀", n: 42, nested: [{ bin: Buffer.from([1, 2, 3]) }, Buffer.alloc(2048, 9)] };
    // emitWithAck resolves with the first argument only; collect them all.
    const echoed = await new Promise<any[]>((resolve, reject) => {
      socket.timeout(3000).emit("echo", "plain", payload, Buffer.from("tail"), (err: Error | null, ...args: any[]) =>
        err ? reject(err) : resolve(args),
      );
    });
    assert.equal(echoed[0], "plain");
    assert.equal(echoed[1].text, "héllo 😀");
    assert.deepEqual(Buffer.from(echoed[1].nested[0].bin), Buffer.from([1, 2, 3]));
    assert.deepEqual(Buffer.from(echoed[1].nested[1]), Buffer.alloc(2048, 9));
    assert.deepEqual(Buffer.from(echoed[2]), Buffer.from("tail"));

    const mirrored = new Promise<unknown>((resolve) => socket.once("mirrored", resolve));
    socket.emit("mirror", { list: [1, "two", null, true] });
    assert.deepEqual(await mirrored, { list: [1, "two", null, true] });
    socket.close();
  });
}

test("namespaces with auth: CONNECT payloads and CONNECT_ERROR both ways", { timeout: 5000 }, async () => {
  const ok = client("/admin", { auth: { token: "s3cret" }, transports: ["websocket"] });
  const welcome = await new Promise<unknown>((resolve) => ok.once("welcome", resolve));
  assert.deepEqual(welcome, { token: "s3cret" });
  const denied = client("/admin", { auth: { token: "nope" }, transports: ["websocket"] });
  const err = await new Promise<Error>((resolve) => denied.once("connect_error", resolve));
  assert.equal(err.message, "bad token");
  ok.close();
  denied.close();
});

test("a malformed packet makes the server close the session", { timeout: 5000 }, async () => {
  const raw = new EngineClientSocket(url, { path: "/socket.io/", transports: ["websocket"] });
  clients.push(raw);
  await new Promise<void>((resolve) => raw.once("open", () => resolve()));
  // upstream's Client hands the decoder's error to each socket, then force-closes the session.
  const serverError = new Promise<Error>((resolve) => server.once("connection", (s) => s.once("error", resolve)));
  raw.send("0"); // connect to "/"
  await new Promise<void>((resolve) => raw.once("message", () => resolve())); // the CONNECT reply
  const closed = new Promise<string>((resolve) => raw.once("close", (reason: string) => resolve(reason)));
  raw.send('2{"not":"an array"}');
  // The server closes the engine session right away; the client sees the transport go.
  assert.equal(await closed, "transport close");
  const err = await serverError;
  assert.ok(err instanceof codec.SocketIOParseError);
  assert.equal(err.code, "ERR_HYPERIO_SIO_INVALID_PAYLOAD");
});
