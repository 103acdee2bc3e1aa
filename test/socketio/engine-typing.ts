// Compile-time checks of the seams between the Socket.IO layer and the engine. Type-checked
// by `tsc -p tsconfig.json` (never executed): each `@ts-expect-error` line must fail to
// compile.
//  - `io.engine` and `socket.conn` stay typed as hyperio's engine for users (what upstream
//    users call on engine.io's Server and Socket keeps compiling);
//  - hyperio's engine and its sessions satisfy the structural interfaces the layer uses
//    (engine-types.ts), and so does engine.io 6's Server, which `io.bind` accepts;
//  - hyperio's engine satisfies the host interface its backends use (engine-host.ts).
import { createServer } from "node:http";
import { Server as EngineIoServer } from "engine.io";
import { Server } from "../../src/index";
import { EngineServer as HyperioEngine, Socket as HyperioSession } from "../../src/engine";
import type { EngineHost } from "../../src/engine/engine-host";
import type { EngineServer, EngineSocket } from "../../src/engine-types";

export function engineUsage(): void {
  const io = new Server(createServer());
  io.engine.on("connection_error", (err) => {
    const code: number = err.code;
    const message: string = err.message;
    void [code, message, err.req.headers, err.context];
  });
  io.engine.use((_req, _res, next) => next());
  const count: number = io.engine.clientsCount;
  io.engine.generateId = () => "an-id";
  io.engine.on("initial_headers", (headers) => {
    headers["set-cookie"] = ["a=b"];
  });
  io.engine.on("headers", (headers, req) => void [headers, req.url]);
  void count;
  // @ts-expect-error not a member of the engine
  io.engine.notAnEngineMethod();

  io.on("connection", (socket) => {
    const name: string = socket.conn.transport.name;
    const upgraded: boolean = socket.conn.upgraded;
    socket.conn.on("upgrade", (transport) => void transport.name);
    socket.conn.once("close", (reason) => void reason);
    void [name, upgraded, socket.client.conn.id, socket.conn.request.headers];
    // @ts-expect-error not a member of an engine session
    socket.conn.notASessionMember();
  });

  io.bind(new HyperioEngine());
  io.bind(new EngineIoServer());
  // @ts-expect-error not an engine
  io.bind({ close() {} });
}

// The structural seams, checked member by member.
export const engineFits: EngineServer = new HyperioEngine();
export const engineIoFits: EngineServer = new EngineIoServer();
export const sessionFits = (s: HyperioSession): EngineSocket => s;
export const hostFits = (e: HyperioEngine): EngineHost => e;
