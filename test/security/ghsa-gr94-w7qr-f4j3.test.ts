// GHSA-gr94-w7qr-f4j3 (`engine.io`, 2026: WebTransport session id DoS) and CVE-2026-102600
// (GHSA-wfpm-5gcm-94cg, `@socket.io/cluster-engine` < 0.1.1): session ids looked up as
// plain object keys.
//
// The attack: a request naming a session id that is a property of Object.prototype
// (`__proto__`, `constructor`, `toString`, ...). The lookup found the inherited property
// instead of "no such session" and the server threw (a TypeError, or an unhandled
// rejection), killing the process. hyperio has no WebTransport; the same ids are sent to
// every place a sid is looked up: polling GET and POST, and WebSocket upgrades (with
// `transport=websocket` and `transport=webtransport`).
//
// Safe outcome: each is answered as an unknown session (400 / no 101); the process lives;
// the server keeps serving.
import assert from "node:assert/strict";
import { test } from "node:test";
import { http, onEachBackend, rawTcp } from "./helpers";

const SIDS = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "__defineGetter__", "prototype", "length", "0"];

test("prototype-named session ids are unknown sessions everywhere", async (t) => {
  await onEachBackend(t, {}, async (server) => {
    for (const sid of SIDS) {
      const get = await http(server.port, "GET", `/socket.io/?EIO=4&transport=polling&sid=${sid}`, undefined, {}, 3000);
      assert.equal(get.status, 400, `GET sid=${sid}`);
      const post = await http(server.port, "POST", `/socket.io/?EIO=4&transport=polling&sid=${sid}`, "40", { "content-type": "text/plain;charset=UTF-8" }, 3000);
      assert.equal(post.status, 400, `POST sid=${sid}`);
      for (const transport of ["websocket", "webtransport"]) {
        const answer = await rawTcp(
          server.port,
          `GET /socket.io/?EIO=4&transport=${transport}&sid=${sid} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
          1000,
        );
        assert.ok(!answer.startsWith("HTTP/1.1 101"), `${transport} upgrade with sid=${sid} accepted`);
      }
    }
  });
});
