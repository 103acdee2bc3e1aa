// The rule that keeps a polling response in one send: a write to a response other than the
// one whose uWS callback is running is deferred until uWS is back in the event loop
// (measured with strace, see src/engine/uws-exchange.ts). This pins down that scope.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inUwsScope, inWsHandler, insideWsScope, mustDefer, UwsExchange } from "../../src/engine/uws-exchange";

const X = {} as UwsExchange;
const Y = {} as UwsExchange;

test("outside any uWS callback nothing is deferred", async () => {
  await new Promise((r) => setImmediate(r));
  assert.equal(insideWsScope(), false);
  assert.equal(mustDefer(X), false);
});

test("a WebSocket handler defers every HTTP write, through its microtasks, until the check phase", async () => {
  let inHandler = false;
  let inMicrotask = false;
  inWsHandler(() => {
    inHandler = mustDefer(X);
    queueMicrotask(() => {
      inMicrotask = mustDefer(X);
    });
  });
  await Promise.resolve();
  assert.equal(inHandler, true);
  assert.equal(inMicrotask, true);
  const later = await new Promise<boolean>((r) => setImmediate(() => r(mustDefer(X))));
  assert.equal(later, false);
});

test("an HTTP callback writes its own response directly and defers the others", async () => {
  let own = true;
  let other = false;
  let ownInMicrotask = true;
  inUwsScope(X, () => {
    own = mustDefer(X);
    other = mustDefer(Y);
    queueMicrotask(() => {
      ownInMicrotask = mustDefer(X);
    });
  });
  await Promise.resolve();
  assert.equal(own, false);
  assert.equal(other, true);
  assert.equal(ownInMicrotask, false);
  // A callback uWS runs synchronously inside another hands the scope back afterwards.
  inUwsScope(X, () => {
    inWsHandler(() => assert.equal(mustDefer(X), true));
    assert.equal(mustDefer(X), false);
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(mustDefer(Y), false);
});
