import { parentPort, workerData } from "node:worker_threads";

const { control, data } = workerData;
const encoder = new TextEncoder();

parentPort.on("message", async ({ method, url, body, headers }) => {
  let reply;
  try {
    const res = await fetch(url, { method, body: body ?? undefined, headers });
    reply = { status: res.status, body: await res.text() };
  } catch (err) {
    reply = { status: 0, body: null, error: String(err && err.message) };
  }
  const { written } = encoder.encodeInto(JSON.stringify(reply), data);
  Atomics.store(control, 1, written);
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 0);
});
