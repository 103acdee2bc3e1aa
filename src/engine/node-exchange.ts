// HttpExchange over node:http IncomingMessage / ServerResponse.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { BodyResult, HttpExchange, ResponseHeaders } from "./http-exchange";
import { EngineRequest, firstHeader } from "./request";

export class NodeExchange implements HttpExchange {
  aborted = false;
  responded = false;
  baseHeaders: ResponseHeaders = {};
  private abortCb: (() => void) | undefined;

  constructor(
    private readonly nodeReq: IncomingMessage,
    private readonly res: ServerResponse,
    readonly req: EngineRequest,
  ) {
    res.once("close", () => {
      if (res.writableFinished) return;
      this.aborted = true;
      const cb = this.abortCb;
      this.abortCb = undefined;
      cb?.();
    });
  }

  onAbort(cb: (() => void) | undefined): void {
    this.abortCb = cb;
  }

  readBody(limit: number, cb: (result: BodyResult) => void): void {
    const req = this.nodeReq;
    let settled = false;
    const settle = (r: BodyResult): void => {
      if (settled) return;
      settled = true;
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      this.onAbort(undefined);
      cb(r);
    };
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        chunks.length = 0;
        settle({ ok: false, reason: "too_large" });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => settle({ ok: true, body: Buffer.concat(chunks, received) });
    const raw = firstHeader(this.req.headers, "content-length");
    if (raw !== undefined && Number(raw) > limit) {
      // Refuse before buffering a single byte.
      settle({ ok: false, reason: "too_large" });
      return;
    }
    this.onAbort(() => settle({ ok: false, reason: "aborted" }));
    req.on("data", onData);
    req.on("end", onEnd);
  }

  respond(status: number, headers: ResponseHeaders, body?: string | Buffer, closeConnection = false): void {
    if (this.aborted || this.responded) return;
    this.responded = true;
    this.abortCb = undefined;
    const res = this.res;
    // A middleware may already have committed (or sent) a response of its own.
    if (res.headersSent) {
      if (!res.writableEnded) res.end();
      return;
    }
    const all: ResponseHeaders = { ...this.baseHeaders, ...headers };
    const payload = body ?? "";
    all["Content-Length"] = String(typeof payload === "string" ? Buffer.byteLength(payload) : payload.length);
    if (closeConnection) all["Connection"] = "close";
    res.writeHead(status, all);
    res.end(payload);
    if (closeConnection) {
      // An unread request body may remain on the connection: do not reuse it.
      res.once("finish", () => this.nodeReq.socket.destroySoon());
    }
  }
}
