// @socket.io/redis-streams-adapter across three nodes against a real redis-server: the
// common scenarios, plus connection state recovery (sessions kept in Redis, missed packets
// replayed from the stream), on upstream socket.io 4.8 and on hyperio, compared.
import { streamsKit } from "./kits";
import { COMMON } from "./scenarios";
import { recovery } from "./recovery-scenario";
import { adapterSuite } from "./suite";

adapterSuite("redis-streams-adapter", (env) => streamsKit(() => env.url, () => env.control), [...COMMON, recovery]);
