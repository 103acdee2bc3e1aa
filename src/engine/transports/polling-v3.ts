// Long-polling for Engine.IO v3 sessions (Socket.IO v2 clients, `allowEIO3`): the v4
// transport with the v3 payload codec. Bodies are text-framed (`<length>:<packet>`) or, for
// clients that take binary, binary-framed as `application/octet-stream` both ways; a client
// that asked for `b64=1` at its handshake gets binary data as base64 records instead.
import {
  decodeBinaryPayloadV3,
  decodeTextPayloadV3,
  encodePayloadV3,
} from "../../parser/engine-io/v3";
import type { Packet } from "../../parser/engine-io";
import { PollingOptions, PollingTransport } from "./polling";

export class PollingTransportV3 extends PollingTransport {
  protected override readonly acceptsBinaryBodies = true;

  constructor(
    opts: PollingOptions,
    /** From the handshake request: false when it carried `b64`. Fixed for the session. */
    private readonly supportsBinary: boolean,
  ) {
    super(opts);
  }

  protected override decodeBody(body: Buffer, binary: boolean): Packet[] {
    // The body's size was checked against maxHttpBufferSize while it was read.
    const opts = { maxPackets: this.opts.maxPacketsPerPayload };
    return binary ? decodeBinaryPayloadV3(body, opts) : decodeTextPayloadV3(body.toString("utf8"), opts);
  }

  protected override encodeBody(packets: Packet[]): string | Buffer {
    return encodePayloadV3(packets, this.supportsBinary);
  }

  protected override contentTypeOf(payload: string | Buffer): string {
    // encodePayloadV3 returns a Buffer exactly for the binary framing.
    return typeof payload === "string" ? "text/plain; charset=UTF-8" : "application/octet-stream";
  }
}
