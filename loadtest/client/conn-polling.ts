// A Socket.IO client session over Engine.IO long-polling, on a shared keep-alive agent.
//
// One GET is always pending (the long poll); sends go out as one POST at a time, records
// joined by the \x1e separator, as engine.io-client does: the server rejects overlapping POSTs.
import http from "node:http";
import { nowUs } from "../lib/clock";
import { parseBroadcastStr, type SeqStamp } from "../protocol/frames";
import { SOCKET_PATH } from "../protocol/control";
import { Conn, type ConnHost } from "./conn";
import type { Expectation } from "./membership";

const RECORD_SEPARATOR = "\x1e";
const scratch: SeqStamp = { seq: 0, stampUs: 0 };

export class PollingConn extends Conn {
  private sid = "";
  private outbox: string[] = [];
  private posting = false;
  private readonly base: string;
  private pending = new Set<http.ClientRequest>();
  // The echo sends the same attachment every time: its base64 is made once, not per send,
  // so the load client's CPU goes to the exchange, not to re-encoding.
  private lastAttachment: Buffer | undefined;
  private lastAttachmentRecord = "";

  constructor(
    index: number,
    rooms: string[],
    expect: Expectation,
    host: ConnHost,
    private readonly endpoint: { host: string; port: number },
    private readonly agent: http.Agent,
  ) {
    super(index, rooms, expect, host);
    this.startedUs = nowUs();
    this.base = `${SOCKET_PATH}?EIO=4&transport=polling`;
    this.request("GET", this.base, undefined, (body) => {
      const m = /"sid":"([^"]+)"/.exec(body);
      if (!body.startsWith("0") || !m) return this.fail(`bad handshake: ${body.slice(0, 100)}`);
      this.sid = m[1];
      this.onText(body); // sends "40" through the outbox
      this.poll();
    });
  }

  private path(): string {
    return `${this.base}&sid=${this.sid}`;
  }

  private poll(): void {
    if (this.state === "closed") return;
    this.request("GET", this.path(), undefined, (body) => {
      let start = 0;
      while (start <= body.length) {
        let end = body.indexOf(RECORD_SEPARATOR, start);
        if (end < 0) end = body.length;
        const rec = body.slice(start, end);
        if (rec.length > 0) {
          if (parseBroadcastStr(rec, scratch)) this.accept(scratch.seq, scratch.stampUs);
          else this.onText(rec);
        }
        start = end + 1;
      }
      this.poll();
    });
  }

  sendText(text: string): void {
    if (this.state === "closed") return;
    this.outbox.push(text);
    this.flush();
  }

  /** The event and its attachment (`b` + base64) go out in one POST, as engine.io-client sends them. */
  override sendBinaryEvent(header: string, attachment: Buffer): void {
    if (this.state === "closed") return;
    if (attachment !== this.lastAttachment) {
      this.lastAttachment = attachment;
      this.lastAttachmentRecord = "b" + attachment.toString("base64");
    }
    this.outbox.push(header, this.lastAttachmentRecord);
    this.flush();
  }

  private flush(): void {
    if (this.posting || !this.sid || this.outbox.length === 0 || this.state === "closed") return;
    const body = this.outbox.join(RECORD_SEPARATOR);
    this.outbox = [];
    this.posting = true;
    this.request("POST", this.path(), body, () => {
      this.posting = false;
      this.flush();
    });
  }

  private request(method: string, path: string, body: string | undefined, done: (text: string) => void): void {
    const req = http.request(
      {
        host: this.endpoint.host,
        port: this.endpoint.port,
        method,
        path,
        agent: this.agent,
        headers: body === undefined ? {} : { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          this.pending.delete(req);
          if (res.statusCode !== 200) return this.fail(`${method} ${res.statusCode}: ${text.slice(0, 100)}`);
          if (this.state !== "closed") done(text);
        });
      },
    );
    this.pending.add(req);
    req.on("error", (err) => {
      this.pending.delete(req);
      this.fail(`${method} error: ${err.message}`);
    });
    req.end(body);
  }

  close(): void {
    this.state = "closed";
    for (const req of this.pending) req.destroy();
    this.pending.clear();
  }

  /** End of run: reset the agent's sockets (no TIME_WAIT left behind, see WsConn.close). */
  static resetAgent(agent: http.Agent): void {
    for (const list of [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)]) {
      for (const s of list ?? []) (s as unknown as { resetAndDestroy?: () => void }).resetAndDestroy?.();
    }
    agent.destroy();
  }
}
