import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { InvalidOptionError, Server, ServerOptions } from "../../src/engine";
import { connect, expectIdle, nextConnection, startUws, waitUntil } from "./helpers";

test("every option is validated with an error naming it", () => {
  const bad: Array<[string, ServerOptions]> = [
    ["pingInterval", { pingInterval: -1 }],
    ["pingInterval", { pingInterval: "1" as unknown as number }],
    ["pingTimeout", { pingTimeout: NaN }],
    ["upgradeTimeout", { upgradeTimeout: 2 ** 40 }],
    ["maxHttpBufferSize", { maxHttpBufferSize: 0 }],
    ["transports", { transports: [] }],
    ["transports", { transports: ["carrier" as "polling"] }],
    ["allowUpgrades", { allowUpgrades: "yes" as unknown as boolean }],
    ["allowRequest", { allowRequest: 1 as unknown as ServerOptions["allowRequest"] }],
    ["cors", { cors: "x" as unknown as boolean }],
    ["cors", { cors: { origin: 5 as unknown as string } }],
    ["cors", { cors: { methods: [1] as unknown as string[] } }],
    ["cors", { cors: { maxAge: Infinity } }],
    ["perMessageDeflate", { perMessageDeflate: { threshold: -1 } }],
    ["httpCompression", { httpCompression: { threshold: -5 } }],
    ["httpCompression", { httpCompression: { level: 42 } }],
    ["cookie", { cookie: { name: "bad name" } }],
    ["cookie", { cookie: { sameSite: "sometimes" as "lax" } }],
    ["cookie", { cookie: { path: "/a;b" } }],
    ["initialPacket", { initialPacket: 5 as unknown as string }],
    ["generateId", { generateId: "id" as unknown as () => string }],
    ["path", { path: "" }],
    ["maxBufferedBytes", { maxBufferedBytes: 0 }],
    ["maxPacketsPerPayload", { maxPacketsPerPayload: -3 }],
    ["pollingCloseTimeout", { pollingCloseTimeout: 0 }],
  ];
  for (const [name, opts] of bad) {
    assert.throws(
      () => new Server(opts),
      (e: unknown) => e instanceof InvalidOptionError && e.option === name && e.message.includes(`"${name}"`),
      name,
    );
  }
  const ok = new Server();
  assert.equal(ok.opts.path, "/engine.io/");
  assert.equal(ok.opts.pingInterval, 25000);
  assert.equal(ok.opts.pingTimeout, 20000);
  assert.equal(ok.opts.upgradeTimeout, 10000);
  assert.equal(ok.opts.maxHttpBufferSize, 1e6);
  assert.deepEqual(ok.opts.transports, ["polling", "websocket"]);
  assert.equal(ok.opts.perMessageDeflate, false);
  assert.deepEqual(ok.opts.httpCompression, { threshold: 1024 });
  assert.equal(ok.opts.cookie, false);
  assert.equal(new Server({ path: "/socket.io" }).opts.path, "/socket.io/");
});

test("handshake carries the options; initialPacket follows the open packet", async () => {
  const srv = await startUws({ pingInterval: 1234, pingTimeout: 2345, maxHttpBufferSize: 5000, initialPacket: "welcome" });
  try {
    const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
    const [open, initial] = (await res.text()).split("\x1e");
    const data = JSON.parse(open.slice(1));
    assert.deepEqual(Object.keys(data).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
    assert.deepEqual(data.upgrades, ["websocket"]);
    assert.equal(data.pingInterval, 1234);
    assert.equal(data.pingTimeout, 2345);
    assert.equal(data.maxPayload, 5000);
    assert.equal(initial, "4welcome");
    assert.equal(res.headers.get("cache-control"), "no-store");
  } finally {
    await srv.close();
  }
});

test("allowUpgrades false / websocket-only transports advertise no upgrades", async () => {
  for (const opts of [{ allowUpgrades: false }, { transports: ["polling" as const] }]) {
    const srv = await startUws(opts);
    try {
      const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
      assert.deepEqual(JSON.parse((await res.text()).slice(1)).upgrades, []);
    } finally {
      await srv.close();
    }
  }
});

test("custom path", async () => {
  const srv = await startUws({ path: "/custom" });
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { path: "/custom/" });
    await conn;
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("cors: origin list, credentials, preflight, exposed headers, maxAge", async () => {
  const srv = await startUws({
    cors: {
      origin: ["https://a.example", /\.b\.example$/],
      credentials: true,
      exposedHeaders: ["x-one"],
      maxAge: 600,
      methods: ["GET", "POST"],
    },
  });
  try {
    const pre = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, {
      method: "OPTIONS",
      headers: { origin: "https://x.b.example", "access-control-request-headers": "x-custom" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://x.b.example");
    assert.equal(pre.headers.get("access-control-allow-credentials"), "true");
    assert.equal(pre.headers.get("access-control-allow-methods"), "GET,POST");
    assert.equal(pre.headers.get("access-control-allow-headers"), "x-custom");
    assert.equal(pre.headers.get("access-control-max-age"), "600");
    assert.equal(srv.engine.clientsCount, 0);

    const get = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, { headers: { origin: "https://a.example" } });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get("access-control-allow-origin"), "https://a.example");
    assert.equal(get.headers.get("access-control-expose-headers"), "x-one");
    assert.match(get.headers.get("vary") ?? "", /Origin/);
    await get.text();

    const other = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, { headers: { origin: "https://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    await other.text();

    // Errors carry CORS headers too, so browsers can read them.
    const err = await fetch(`${srv.url}/engine.io/?EIO=4&transport=nope`, { headers: { origin: "https://a.example" } });
    assert.equal(err.status, 400);
    assert.equal(err.headers.get("access-control-allow-origin"), "https://a.example");
    await err.text();
  } finally {
    await srv.close();
  }
  await expectIdle(srv.engine);
});

test("cors: origin true reflects, '*' by default, async origin function", async () => {
  for (const [cors, origin, expected] of [
    [{ origin: true }, "https://z.example", "https://z.example"],
    [true, "https://z.example", "*"],
    [{ origin: (o: string | undefined, cb: (e: Error | null, v?: boolean) => void) => setTimeout(() => cb(null, o === "https://ok.example"), 2) }, "https://ok.example", "https://ok.example"],
  ] as const) {
    const srv = await startUws({ cors: cors as ServerOptions["cors"] });
    try {
      const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`, { headers: { origin } });
      assert.equal(res.headers.get("access-control-allow-origin"), expected);
      await res.text();
    } finally {
      await srv.close();
    }
  }
});

test("cookie: Set-Cookie on the handshake only; headers / initial_headers events", async () => {
  const srv = await startUws({ cookie: { name: "sid", sameSite: "strict", maxAge: 60 } });
  try {
    let initial = 0;
    let all = 0;
    srv.engine.on("initial_headers", (h: Record<string, string>) => {
      initial++;
      h["x-initial"] = "1";
    });
    srv.engine.on("headers", (h: Record<string, string>) => {
      all++;
      h["x-any"] = "1";
    });
    const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling`);
    const sid = JSON.parse((await res.text()).slice(1)).sid;
    assert.equal(res.headers.get("set-cookie"), `sid=${sid}; Max-Age=60; Path=/; HttpOnly; SameSite=Strict`);
    assert.equal(res.headers.get("x-initial"), "1");
    assert.equal(res.headers.get("x-any"), "1");
    const post = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "4x" });
    assert.equal(post.headers.get("set-cookie"), null);
    assert.equal(post.headers.get("x-initial"), null);
    assert.equal(post.headers.get("x-any"), "1");
    await post.text();
    assert.equal(initial, 1);
    assert.equal(all, 2);
  } finally {
    await srv.close();
  }
});

test("httpCompression: gzip above the threshold, none below or when disabled", async () => {
  const http = await import("node:http");
  const get = (port: number, path: string, enc: string) =>
    new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path, headers: { "accept-encoding": enc } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on("error", reject);
    });
  for (const [opts, enc, expected] of [
    [{}, "gzip, deflate", "gzip"],
    [{}, "deflate", "deflate"],
    [{}, "identity", undefined],
    [{ httpCompression: false }, "gzip", undefined],
  ] as const) {
    const srv = await startUws({ ...opts, initialPacket: "z".repeat(5000) });
    try {
      const res = await get(srv.port, "/engine.io/?EIO=4&transport=polling", enc);
      assert.equal(res.headers["content-encoding"], expected);
      const body =
        expected === "gzip" ? zlib.gunzipSync(res.body) : expected === "deflate" ? zlib.inflateSync(res.body) : res.body;
      assert.ok(body.toString().endsWith("\x1e4" + "z".repeat(5000)));
      const small = await get(srv.port, "/engine.io/?EIO=4&transport=polling", enc);
      assert.equal(small.headers["content-encoding"], expected, "initial packet makes it big too");
    } finally {
      await srv.close();
    }
  }
  const srv = await startUws();
  try {
    const small = await get(srv.port, "/engine.io/?EIO=4&transport=polling", "gzip");
    assert.equal(small.headers["content-encoding"], undefined);
  } finally {
    await srv.close();
  }
});

test("perMessageDeflate: websocket messages still round-trip", async () => {
  const srv = await startUws({ perMessageDeflate: { threshold: 10 } });
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["websocket"] });
    const socket = await conn;
    const got: unknown[] = [];
    client.on("message", (m) => got.push(m));
    socket.send("q".repeat(5000));
    await waitUntil(() => got.length === 1);
    assert.equal(got[0], "q".repeat(5000));
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("listen(port, cb) reports the port; close() stops listening", async () => {
  const engine = new Server();
  const port = await new Promise<number | false>((resolve) => {
    void engine.listen(0, { host: "127.0.0.1" }, resolve);
  });
  assert.ok(typeof port === "number" && port > 0);
  const res = await fetch(`http://127.0.0.1:${port}/engine.io/?EIO=4&transport=polling`);
  assert.equal(res.status, 200);
  await res.text();
  assert.equal(engine.clientsCount, 1);
  engine.close();
  await expectIdle(engine);
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(fetch(`http://127.0.0.1:${port}/engine.io/?EIO=4&transport=polling`));
  assert.throws(() => engine.listen(70000), /invalid port/);
  assert.throws(() => engine.attach({} as never, { destroyUpgradeTimeout: -1 }), /destroyUpgradeTimeout/);
});

test("the path is served with and without its trailing slash", async () => {
  const srv = await startUws({ path: "/custom" });
  try {
    for (const transports of [["polling"], ["websocket"]]) {
      const conn = nextConnection(srv.engine);
      const client = await connect(srv.url, { path: "/custom", addTrailingSlash: false, transports });
      await conn;
      client.close();
    }
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
