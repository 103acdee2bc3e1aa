// The two transports of the soak's lean client: a WebSocket (WsLite) or long-polling on a
// keep-alive agent. Each hands Engine.IO packets (text) to its session and reports its end
// once; neither reconnects (the session does).
import http from "node:http";
import { WsLite } from "../client/ws-lite";
import { SOCKET_PATH } from "../protocol/control";

export interface TransportHandlers {
  /** One Engine.IO packet, as text. */
  onPacket(text: string): void;
  /** The transport ended (at most once); not called after close(). */
  onClose(reason: string): void;
}

export interface SoakTransport {
  send(packet: string): void;
  /** Ends it without a close handshake (a TCP reset where possible); no onClose follows. */
  close(): void;
  /** Stops reading from the network (the slow-reader fault). */
  stopReading(): void;
}

export interface Endpoint {
  host: string;
  port: number;
}

export function openWebSocket(ep: Endpoint, h: TransportHandlers): SoakTransport {
  let closed = false;
  const ws = new WsLite(
    { ...ep, path: `${SOCKET_PATH}?EIO=4&transport=websocket` },
    {
      onOpen: () => undefined,
      onMessage: (data, isBinary) => {
        if (!isBinary && !closed) h.onPacket(data.toString("utf8"));
      },
      onClose: (reason) => {
        if (closed) return;
        closed = true;
        h.onClose(reason);
      },
    },
  );
  return {
    send: (p) => ws.sendText(p),
    close: () => {
      closed = true;
      ws.reset();
    },
    stopReading: () => ws.stopReading(),
  };
}

const RECORD_SEPARATOR = "\x1e";

/**
 * Engine.IO long-polling: one GET always pending, one POST at a time carrying every packet
 * queued since (engine.io-client's way; a server refuses overlapping POSTs).
 */
export function openPolling(ep: Endpoint, agent: http.Agent, h: TransportHandlers): SoakTransport {
  let sid = "";
  let closed = false;
  let posting = false;
  let outbox: string[] = [];
  const pending = new Set<http.ClientRequest>();
  const base = `${SOCKET_PATH}?EIO=4&transport=polling`;

  const fail = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const r of pending) r.destroy();
    pending.clear();
    h.onClose(reason);
  };
  const request = (method: string, body: string | undefined, done: (text: string) => void) => {
    const req = http.request(
      {
        ...ep,
        method,
        path: sid ? `${base}&sid=${sid}` : base,
        agent,
        headers: body === undefined ? {} : { "content-type": "text/plain;charset=UTF-8", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          pending.delete(req);
          if (closed) return;
          if (res.statusCode !== 200) return fail(`${method} ${res.statusCode}: ${text.slice(0, 80)}`);
          done(text);
        });
        res.on("error", (err) => fail(`${method} response: ${err.message}`));
      },
    );
    pending.add(req);
    req.on("error", (err) => {
      pending.delete(req);
      fail(`${method}: ${err.message}`);
    });
    req.end(body);
  };
  const deliver = (body: string) => {
    for (const rec of body.split(RECORD_SEPARATOR)) {
      if (closed) return;
      if (rec.length === 0) continue;
      if (rec === "1") return fail("server closed the session");
      h.onPacket(rec);
    }
  };
  const poll = () => {
    if (closed) return;
    request("GET", undefined, (body) => {
      deliver(body);
      poll();
    });
  };
  const flush = () => {
    if (posting || !sid || outbox.length === 0 || closed) return;
    const body = outbox.join(RECORD_SEPARATOR);
    outbox = [];
    posting = true;
    request("POST", body, () => {
      posting = false;
      flush();
    });
  };
  request("GET", undefined, (body) => {
    const m = /"sid":"([^"]+)"/.exec(body);
    if (!body.startsWith("0") || !m) return fail(`bad handshake: ${body.slice(0, 80)}`);
    sid = m[1];
    deliver(body);
    poll();
    flush();
  });
  return {
    send: (p) => {
      if (closed) return;
      outbox.push(p);
      flush();
    },
    close: () => {
      closed = true;
      for (const r of pending) r.destroy();
      pending.clear();
    },
    stopReading: () => undefined,
  };
}
