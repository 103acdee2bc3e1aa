// GHSA-5v72-xg48-5rpm (npm advisory 550), package `ws` < 1.1.5 / 3.3.1: denial of service
// through the Sec-WebSocket-Extensions header.
//
// The attack: an upgrade whose extension offer names a property of Object.prototype
// (`Sec-WebSocket-Extensions: constructor`): ws parsed the offers into a plain object and
// then called into what it found there, throwing and killing the process.
//
// Safe outcome, against `ws` on node:http and uWS's handshake, with and without
// perMessageDeflate: the upgrade is answered (accepted without the bogus extension, or
// refused); the process lives; the server keeps serving.
import assert from "node:assert/strict";
import { test } from "node:test";
import { onEachBackend, rawTcp } from "./helpers";

const OFFERS = [
  "constructor",
  "__proto__",
  "toString",
  "hasOwnProperty; x",
  "permessage-deflate; constructor",
  "permessage-deflate; client_max_window_bits=__proto__",
  "permessage-deflate; server_max_window_bits=constructor",
  "permessage-deflate; client_max_window_bits; client_max_window_bits",
  "permessage-deflate, permessage-deflate; server_no_context_takeover=1",
  '"; =,;;,,',
  "x".repeat(10_000),
];

function upgrade(extensions: string): string {
  return (
    "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: ${extensions}\r\n\r\n`
  );
}

for (const perMessageDeflate of [false, true]) {
  test(`prototype-named and malformed extension offers (perMessageDeflate: ${perMessageDeflate})`, async (t) => {
    await onEachBackend(t, { perMessageDeflate }, async (server) => {
      for (const offer of OFFERS) {
        const answer = await rawTcp(server.port, upgrade(offer), 2000);
        assert.ok(answer === "" || answer.startsWith("HTTP/1.1 "), `${offer.slice(0, 40)}: ${JSON.stringify(answer.slice(0, 40))}`);
        // Accepted or not, a bogus extension is never agreed to.
        const agreed = /sec-websocket-extensions:([^\r]*)/i.exec(answer)?.[1] ?? "";
        assert.ok(!/constructor|__proto__|toString|hasOwnProperty/.test(agreed), `agreed to ${agreed}`);
      }
    });
  });
}
