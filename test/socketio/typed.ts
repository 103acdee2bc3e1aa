// Compile-time checks of the typed API, in the style of socket.io's TypeScript docs. This
// file is type-checked by `tsc -p tsconfig.json` (never executed): each `@ts-expect-error`
// line must fail to compile, so typings that are too loose break the build too.
import { createServer } from "node:http";
import {
  Server,
  type BroadcastOperator,
  type DefaultEventsMap,
  type DisconnectReason,
  type ExtendedError,
  type Namespace,
  type RemoteSocket,
  type Socket,
} from "../../src/index";

interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: Buffer) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}

interface ClientToServerEvents {
  hello: () => void;
  chat: (text: string, ack: (ok: boolean) => void) => void;
}

interface InterServerEvents {
  ping: () => void;
  count: (cb: (n: number) => void) => void;
}

interface SocketData {
  name: string;
  age: number;
}

export function typedUsage(): void {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(createServer(), {
    connectionStateRecovery: {},
  });

  io.use((socket, next) => {
    const name: string = socket.data.name;
    void name;
    const err: ExtendedError = new Error("no");
    err.data = { why: "because" };
    next(err);
  });

  io.on("connection", (socket) => {
    socket.emit("noArg");
    socket.emit("basicEmit", 1, "2", Buffer.from([3]));
    socket.emit("withAck", "4", (e) => {
      const n: number = e;
      void n;
    });
    // @ts-expect-error wrong argument type
    socket.emit("basicEmit", "1", "2", Buffer.from([3]));
    // @ts-expect-error unknown event
    socket.emit("nope");

    socket.timeout(1000).emit("withAck", "x", (err, e) => {
      const maybe: Error = err;
      const n: number = e;
      void maybe;
      void n;
    });
    void (async () => {
      const n: number = await socket.timeout(1000).emitWithAck("withAck", "x");
      const m: number = await socket.emitWithAck("withAck", "y");
      void n;
      void m;
    })();

    socket.on("hello", () => {});
    socket.on("chat", (text, ack) => {
      const t: string = text;
      void t;
      ack(true);
    });
    // @ts-expect-error listener does not match the event signature
    socket.on("chat", (text: number) => void text);
    socket.on("disconnect", (reason: DisconnectReason) => void reason);

    socket.data.name = "john";
    socket.data.age = 42;
    // @ts-expect-error SocketData.age is a number
    socket.data.age = "42";

    socket.to("room").emit("basicEmit", 1, "2", Buffer.from([]));
    socket.broadcast.emit("noArg");
    const op: BroadcastOperator<any, SocketData> = socket.to("room");
    void op;
  });

  io.emit("noArg");
  io.to("room").except("other").emit("basicEmit", 1, "2", Buffer.from([]));
  // @ts-expect-error a broadcast ack needs timeout()
  io.emit("withAck", "4", (e: number) => void e);
  io.timeout(1000).emit("withAck", "4", (err, responses) => {
    const e: Error = err;
    const all: number[] = responses;
    void e;
    void all;
  });
  void (async () => {
    const answers: number[] = await io.timeout(1000).emitWithAck("withAck", "4");
    void answers;
    const sockets: RemoteSocket<ServerToClientEvents, SocketData>[] = await io.fetchSockets();
    for (const s of sockets) {
      const age: number = s.data.age;
      void age;
      s.emit("noArg");
    }
    const counts: number[] = await io.serverSideEmitWithAck("count");
    void counts;
  })();

  io.serverSideEmit("ping");
  io.on("ping", () => {});
  // @ts-expect-error unknown inter-server event
  io.serverSideEmit("pong");

  const admin: Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData> = io.of("/admin");
  admin.on("connection", (socket: Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>) => {
    socket.emit("noArg");
  });
  io.of(/^\/dyn-\d+$/).on("connection", (socket) => socket.emit("noArg"));

  // untyped server: anything goes
  const loose = new Server<DefaultEventsMap, DefaultEventsMap>();
  loose.on("connection", (socket) => {
    socket.emit("anything", 1, { a: 2 }, (x: unknown) => void x);
    socket.on("whatever", (...args: unknown[]) => void args);
  });
  loose.emit("free-form", 1, 2, 3);
}
