import { test } from "node:test";
import assert from "node:assert";
test("tsx works", () => { assert.equal(1 + 1, 2); });
