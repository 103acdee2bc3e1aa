// k6/http's synchronous requests in Node: the VU thread blocks on Atomics.wait while a helper
// thread runs fetch() and writes the response into shared memory.
import { Worker } from "node:worker_threads";
import { record } from "./runtime.mjs";

const DATA_BYTES = 8 * 1024 * 1024;
let helper;
let control;
let data;

function ensureHelper() {
  if (helper) return;
  control = new Int32Array(new SharedArrayBuffer(8));
  data = new Uint8Array(new SharedArrayBuffer(DATA_BYTES));
  helper = new Worker(new URL("./http-helper.mjs", import.meta.url), { workerData: { control, data } });
  helper.unref();
}

function request(method, url, body, params = {}) {
  ensureHelper();
  Atomics.store(control, 0, 0);
  const started = performance.now();
  helper.postMessage({ method, url, body: body ?? null, headers: params.headers ?? {} });
  // Wait until the flag is set, not merely until a notify: the helper's notify for the
  // previous request can land after this thread already read that reply (the flag was set
  // before the notify) and started this request, and would hand it the previous reply.
  const deadline = started + 60_000;
  while (Atomics.load(control, 0) === 0) {
    if (Atomics.wait(control, 0, 0, Math.max(0, deadline - performance.now())) === "timed-out") {
      throw new Error(`k6 shim: ${method} ${url} timed out`);
    }
  }
  const length = Atomics.load(control, 1);
  const reply = JSON.parse(Buffer.from(data.subarray(0, length)).toString("utf8"));
  const duration = performance.now() - started;
  record("http_reqs", "counter", 1);
  record("http_req_duration", "trend", duration);
  record("http_req_failed", "rate", reply.status === 0 || reply.status >= 400 ? 1 : 0);
  return { status: reply.status, body: reply.body, error: reply.error ?? "", timings: { duration } };
}

export default {
  get: (url, params) => request("GET", url, null, params),
  post: (url, body, params) => request("POST", url, body, params),
  request,
};
