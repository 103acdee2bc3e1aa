// The CommonJS entry point of the package (package.json "main" and the "require"
// condition): `require("hyperio")` is callable, as `require("socket.io")` is, so
// `require("hyperio")(3000, opts)` returns a Server, and every export of index.ts is a
// property of it (`require("hyperio").Server`, `.Namespace`, `.createServer`, ...).
//
// This lives apart from index.ts because replacing `module.exports` there would hide its
// named exports from Node's ESM loader and from tools that compile it (esbuild, tsx):
// index.ts stays a plain module, wrapper.mjs takes its named exports from it and only the
// default export from here.
import * as api from "./index";

const hyperio = api.default;
// Copy descriptors, not values: the re-exports TypeScript emits are getters and stay live.
// `default` is the callable itself, so `import io from "hyperio"` compiled with
// esModuleInterop (which reads `.default` when `__esModule` is set) gets it too.
Object.defineProperties(hyperio, Object.getOwnPropertyDescriptors(api));
module.exports = hyperio;
