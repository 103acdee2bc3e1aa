// @socket.io/redis-adapter (Redis pub/sub) across three nodes against a real redis-server:
// every scenario on upstream socket.io 4.8, then on hyperio (uWS and node:http nodes mixed),
// with observations compared.
import { pubSubKit } from "./kits";
import { recoveryUnsupported } from "./recovery-scenario";
import { COMMON } from "./scenarios";
import { adapterSuite } from "./suite";

adapterSuite("redis-adapter", (env) => pubSubKit(() => env.url, () => env.control), [...COMMON, recoveryUnsupported]);
