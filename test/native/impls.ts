// The implementations every native test runs against: the addon (when built) and the twin.
import { findAddon, loadAddon } from "../../src/native/loader";
import { twin } from "../../src/native/twin";
import type { NativeFunctions } from "../../src/native/types";

export interface Impl {
  name: "native" | "twin";
  fns: NativeFunctions;
  /** A skip message when this implementation is unavailable, else false. */
  skip: string | false;
}

function loadNative(): Impl {
  // The file the loader would pick (HYPERIO_NATIVE_PATH, build/Release, then prebuilds/).
  const path = findAddon();
  if (path === undefined) return { name: "native", fns: twin, skip: "no native addon built or prebuilt; run npm run build:native" };
  try {
    return { name: "native", fns: loadAddon(path), skip: false };
  } catch (err) {
    const message = `native addon not built or not loadable (${(err as Error).message.split("\n")[0]}); run npm run build:native`;
    return { name: "native", fns: twin, skip: message };
  }
}

export const native: Impl = loadNative();
export const twinImpl: Impl = { name: "twin", fns: twin, skip: false };
export const impls: Impl[] = [native, twinImpl];

