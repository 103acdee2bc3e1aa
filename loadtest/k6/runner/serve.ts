// Starts servers under test for the k6 scripts (or any client speaking the load-test
// convention), each with the convention's handlers (servers/sio-app.ts), and prints where
// they listen; they run until Ctrl-C.
//
//   npx tsx loadtest/k6/runner/serve.ts --server hyperio --port 3000
//   npx tsx loadtest/k6/runner/serve.ts --server hyperio,upstream --port 3000   # 3000, 3001
//   k6 run -e TARGET=http://127.0.0.1:3000 loadtest/k6/ws-fanout.js
// Options: --server LIST (hyperio; hyperio, hyperio-twin, hyperio-node, upstream = upstream-ws,
// upstream-uws), --port N (0: any free port; with several servers, N, N+1, ...),
// --hyperio-code build|tsx (build: one tsc build of src/, the code users run).
import { parseArgs } from "node:util";
import { parseHyperioCode, parseServers, TargetLauncher, type Target } from "./targets";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: "string", default: "hyperio" },
      port: { type: "string", default: "0" },
      "hyperio-code": { type: "string", default: "build" },
    },
  });
  const kinds = parseServers(values.server);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port + kinds.length - 1 > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const launcher = new TargetLauncher(parseHyperioCode(values["hyperio-code"]));
  process.once("exit", () => launcher.dispose());
  const targets: Target[] = [];
  for (const [i, kind] of kinds.entries()) {
    const target = await launcher.start(kind, port === 0 ? undefined : port + i);
    targets.push(target);
    process.stdout.write(`${kind} listening on ${target.url} (pid ${target.pid})\n`);
  }
  process.stdout.write(`e.g. k6 run -e TARGET=${targets[0].url} loadtest/k6/ws-fanout.js; Ctrl-C stops the server${targets.length > 1 ? "s" : ""}\n`);
  const stop = (): void => {
    void Promise.all(targets.map((t) => t.stop())).then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
