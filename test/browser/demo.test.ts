// The README's demo, driven as a person would: two headless Chromium pages join the chat,
// see each other in the presence list, see the typing indicator and exchange a message.
// Uses the official client bundle the server serves. CI installs Debian's chromium and the test
// fails there without it; on a developer machine without it, it is skipped with a message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const root = join(__dirname, "..", "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);

function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "examples/demo/server.mjs")], {
      cwd: root,
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.once("exit", (code) => reject(new Error(`demo exited early with ${code}: ${out}`)));
  });
}

async function join_(page: Page, url: string, name: string) {
  await page.goto(url);
  await page.fill("#name", name);
  await page.click("#login button");
  await page.waitForSelector("#login", { state: "hidden" });
}

test("demo chat: presence, typing and messages between two browsers", { skip: haveChromium || process.env.CI ? false : `no Chromium at ${CHROMIUM}` }, async () => {
  const { child, url } = await startDemo();
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const alice = await browser.newPage();
    const bob = await browser.newPage();
    await join_(alice, url, "alice");
    await join_(bob, url, "bob");

    await alice.waitForFunction(`document.querySelector("#people").textContent.includes("bob")`);
    assert.match(await alice.textContent("#people") ?? "", /alice[\s\S]*bob/);

    await bob.fill("#text", "hel");
    await bob.dispatchEvent("#text", "input");
    await alice.waitForFunction(`document.querySelector("#typing").textContent.includes("bob is typing")`);

    await bob.click("#send button");
    await alice.waitForFunction(`document.querySelector("#log").textContent.includes("bob: hel")`);

    // The client upgrades to WebSocket on hyperio's uWS backend.
    await alice.waitForFunction(`document.querySelector("#status").textContent.includes("websocket")`);

    await bob.close();
    await alice.waitForFunction(`!document.querySelector("#people").textContent.includes("bob")`);
  } finally {
    await browser?.close();
    child.kill();
  }
});
