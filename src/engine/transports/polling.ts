// HTTP long-polling transport, shared by both backends (they differ only in HttpExchange).
//
// Invariants:
// - at most one pending GET (`poll`) and one POST (`data`) per session; a second concurrent
//   one is a protocol violation and closes the session;
// - `canSend` is true exactly while a GET is pending and nothing has been written to it;
//   `writable` (upstream's meaning, volatile packets) is that, minus the time between the
//   session queueing a response for the end of the tick and writing it;
// - a response is written at most once (HttpExchange.respond enforces it too).
import createDebug from "debug";
import { decodePayloadBytes, encodePayloadWire, EngineParseError, Packet } from "../../parser/engine-io";
import { EngineErrorCode, errorBody } from "../errors";
import { compress, negotiateEncoding } from "../http-compression";
import type { HttpExchange, ResponseHeaders } from "../http-exchange";
import { requestHeader } from "../request";
import type { EngineRequest } from "../request";
import { Transport } from "../transport";

const debug = createDebug("hyperio:engine:polling");

export interface PollingOptions {
  maxHttpBufferSize: number;
  maxPacketsPerPayload: number;
  httpCompression: { threshold: number; level?: number } | false;
  /** ms to wait for the next GET to deliver a pending close packet. */
  closeTimeout: number;
  /** Lets the server add headers (cookie, `headers` / `initial_headers` events). */
  onHeaders: (headers: ResponseHeaders, req: EngineRequest) => void;
  setTimer: (fn: () => void, ms: number) => NodeJS.Timeout;
  clearTimer: (t: NodeJS.Timeout | undefined) => void;
}

export class PollingTransport extends Transport {
  readonly name = "polling" as const;
  readonly buffersInternally = false;
  private poll: HttpExchange | undefined;
  private data: HttpExchange | undefined;
  /** Set when close() had to wait for a GET to carry the close packet. */
  private shouldClose: (() => void) | undefined;
  private closeTimer: NodeJS.Timeout | undefined;

  /** Whether POST bodies may be `application/octet-stream` (v3 binary payloads; v4 is text only). */
  protected readonly acceptsBinaryBodies: boolean = false;

  constructor(protected readonly opts: PollingOptions) {
    super();
  }

  /** Routes a request of this session (GET poll or POST data). */
  onRequest(ex: HttpExchange): void {
    const method = ex.req.method;
    if (method === "GET") this.onPollRequest(ex);
    else if (method === "POST") this.onDataRequest(ex);
    else this.respondBadRequest(ex, 400);
  }

  private respondBadRequest(ex: HttpExchange, status: number, closeConnection = false): void {
    ex.respond(
      status,
      { "Content-Type": "application/json" },
      errorBody(EngineErrorCode.BAD_REQUEST),
      closeConnection,
    );
  }

  private onPollRequest(ex: HttpExchange): void {
    if (this.poll) {
      debug("request overlap");
      this.respondBadRequest(ex, 400);
      this.onError("overlap from client");
      return;
    }
    if (this.readyState === "closed") {
      this.respondBadRequest(ex, 400);
      return;
    }
    this.poll = ex;
    ex.onAbort(() => {
      if (this.poll !== ex) return;
      this.poll = undefined;
      this.canSend = false;
      this.writable = false;
      this.onError("poll connection closed prematurely");
    });
    this.canSend = true;
    this.updateWritable();
    this.onReady();
    // A close requested while no GET was pending rides on this one.
    if (this.writable && this.shouldClose) {
      debug("triggering empty send to append close packet");
      this.send([{ type: "noop" }]);
    }
  }

  private onDataRequest(ex: HttpExchange): void {
    if (this.data) {
      this.respondBadRequest(ex, 400, true);
      this.onError("data request overlap from client");
      return;
    }
    // v4 polling is text only: binary travels as base64 records.
    const binaryBody = requestHeader(ex.req, "content-type") === "application/octet-stream";
    if (binaryBody && !this.acceptsBinaryBodies) {
      this.respondBadRequest(ex, 400, true);
      this.onError("invalid content");
      return;
    }
    this.data = ex;
    ex.readBody(this.opts.maxHttpBufferSize, (result) => {
      if (this.data === ex) this.data = undefined;
      if (!result.ok) {
        if (result.reason === "too_large") {
          // Refused (guard: maxHttpBufferSize, never read past it), but the session lives
          // on, as upstream's: the official client closes it itself on the 413.
          ex.respond(413, {}, undefined, true);
        } else if (result.reason === "length_mismatch") {
          this.respondBadRequest(ex, 400, true);
          this.onError("content-length mismatch");
        } else {
          this.onError("data request connection closed prematurely");
        }
        return;
      }
      // Answer first: packets may close the session, which must not leave the POST hanging.
      const headers: ResponseHeaders = { "Content-Type": "text/html" };
      this.addHeaders(ex.req, headers);
      ex.respond(200, headers, "ok");
      this.onData(result.body, binaryBody);
    });
  }

  /** Decodes a POSTed payload (large ones natively, see payload-bytes.ts). */
  protected decodeBody(body: Buffer, _binary: boolean): Packet[] {
    return decodePayloadBytes(body, {
      maxPayload: this.opts.maxHttpBufferSize,
      maxPackets: this.opts.maxPacketsPerPayload,
    });
  }

  /** Encodes a response payload. */
  protected encodeBody(packets: Packet[]): string | Buffer {
    return encodePayloadWire(packets);
  }

  /** Content-Type of an encoded response payload (v4: always text, even as a Buffer). */
  protected contentTypeOf(_payload: string | Buffer): string {
    return "text/plain; charset=UTF-8";
  }

  /** Decodes a POSTed payload and emits its packets in order. */
  private onData(body: Buffer, binary: boolean): void {
    let packets: Packet[];
    try {
      packets = this.decodeBody(body, binary);
    } catch (err) {
      debug("bad payload: %s", (err as EngineParseError).code);
      this.onError("parse error", err, true);
      return;
    }
    for (const packet of packets) {
      if (this.readyState === "closed") return;
      if (packet.type === "close") {
        debug("got xhr close packet");
        this.onClose();
        return;
      }
      this.onPacket(packet);
    }
  }

  override onClose(): void {
    // Release a pending GET so the client is not left hanging (even one a queued write had
    // claimed: that write will not happen now).
    if (this.poll) this.send([{ type: "noop" }]);
    this.opts.clearTimer(this.closeTimer);
    this.closeTimer = undefined;
    this.shouldClose = undefined;
    super.onClose();
  }

  send(packets: Packet[]): void {
    const ex = this.poll;
    if (!ex) {
      debug("send without a pending GET: dropped %d packets", packets.length);
      return;
    }
    this.writable = false;
    this.canSend = false;
    this.poll = undefined;
    if (this.shouldClose) {
      debug("appending close packet to payload");
      packets = [...packets, { type: "close" }];
      const fn = this.shouldClose;
      this.shouldClose = undefined;
      fn();
    }
    const payload = this.encodeBody(packets);
    const compressible = packets.some((p) => p.options?.compress !== false);
    this.write(ex, payload, compressible);
    this.onDrain();
  }

  protected idle(): boolean {
    return this.poll !== undefined;
  }

  private write(ex: HttpExchange, payload: string | Buffer, compressible: boolean): void {
    const headers: ResponseHeaders = { "Content-Type": this.contentTypeOf(payload) };
    const hc = this.opts.httpCompression;
    // Cheapest test first: most responses are small (and then never compressed).
    const encoding =
      hc && compressible && Buffer.byteLength(payload) >= hc.threshold
        ? negotiateEncoding(requestHeader(ex.req, "accept-encoding"))
        : undefined;
    if (!hc || !encoding) {
      this.addHeaders(ex.req, headers);
      ex.respond(200, headers, payload);
      return;
    }
    compress(payload, encoding, hc.level, (err, out) => {
      if (err || !out) {
        ex.respond(500, {});
        return;
      }
      headers["Content-Encoding"] = encoding;
      this.addHeaders(ex.req, headers);
      ex.respond(200, headers, out);
    });
  }

  private addHeaders(req: EngineRequest, headers: ResponseHeaders): void {
    headers["cache-control"] = "no-store";
    this.opts.onHeaders(headers, req);
  }

  protected doClose(fn: () => void): void {
    debug("closing");
    if (this.data) {
      const ex = this.data;
      this.data = undefined;
      ex.onAbort(undefined);
      if (!ex.responded) this.respondBadRequest(ex, 400, true);
    }
    const finish = (): void => {
      this.opts.clearTimer(this.closeTimer);
      this.closeTimer = undefined;
      fn();
      this.onClose();
    };
    if (this.poll) {
      debug("GET pending - closing right away");
      this.send([{ type: "close" }]);
      finish();
    } else if (this.discarded) {
      debug("transport discarded - closing right away");
      finish();
    } else {
      debug("transport not writable - buffering orderly close");
      this.shouldClose = finish;
      this.closeTimer = this.opts.setTimer(finish, this.opts.closeTimeout);
    }
  }
}
