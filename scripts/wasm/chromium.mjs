// Headless Chromium for the browser tests (browser-test.mjs, bundlers.mjs):
// no browser download and no npm dependency. Chromium is driven over the
// DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages, NUL
// separated, we write on fd 3 and read on fd 4) with a fresh profile.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Starts Chromium. Returns `send(method, params, sessionId)`, `lines` (the
 * pages' console messages and uncaught exceptions, in order; clear it
 * between pages), `stderr()` and `close()`.
 */
export function launchChromium(path) {
  const profile = mkdtempSync(join(tmpdir(), "setpoll-chromium-"));
  const chrome = spawn(
    path,
    [
      "--headless",
      // gc() for the benchmark page's slices (scripts/wasm/bench-cases.mjs).
      "--js-flags=--expose-gc",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--disable-dev-shm-usage",
      `--user-data-dir=${profile}`,
      "--remote-debugging-pipe",
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  chrome.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((ok) => chrome.on("exit", ok));

  let nextId = 1;
  const pending = new Map();
  const lines = [];
  let buffered = "";
  chrome.stdio[4].on("data", (chunk) => {
    buffered += chunk.toString("utf8");
    let nul;
    while ((nul = buffered.indexOf("\0")) >= 0) {
      const msg = JSON.parse(buffered.slice(0, nul));
      buffered = buffered.slice(nul + 1);
      if (msg.id && pending.has(msg.id)) {
        const { ok, fail } = pending.get(msg.id);
        pending.delete(msg.id);
        msg.error ? fail(new Error(JSON.stringify(msg.error))) : ok(msg.result);
      } else if (msg.method === "Runtime.consoleAPICalled") {
        lines.push(`console.${msg.params.type}: ${msg.params.args.map((a) => a.value ?? a.description).join(" ")}`);
      } else if (msg.method === "Runtime.exceptionThrown") {
        const d = msg.params.exceptionDetails;
        lines.push(`exception: ${d.exception?.description ?? d.text}`);
      }
    }
  });
  const send = (method, params = {}, sessionId) =>
    new Promise((ok, fail) => {
      const id = nextId++;
      pending.set(id, { ok, fail });
      chrome.stdio[3].write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
    });
  const close = async () => {
    try {
      await Promise.race([send("Browser.close"), sleep(3000)]);
    } catch {}
    await Promise.race([exited, sleep(3000)]);
    if (chrome.exitCode === null) chrome.kill("SIGKILL");
    rmSync(profile, { recursive: true, force: true });
  };
  return { send, lines, stderr: () => stderr, close };
}

/**
 * Opens `url` in a new tab and waits until the page sets
 * `globalThis.__setpollResult`; returns that value (or throws after
 * `timeoutMs`). The tab is closed either way.
 */
export async function pageResult({ send }, url, timeoutMs) {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  try {
    const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
    await send("Runtime.enable", {}, sessionId);
    await send("Page.navigate", { url }, sessionId);
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) {
      const { result } = await send(
        "Runtime.evaluate",
        { expression: "globalThis.__setpollResult", returnByValue: true },
        sessionId,
      );
      if (result && result.value) return result.value;
    }
    throw new Error(`no verdict within ${timeoutMs} ms`);
  } finally {
    await send("Target.closeTarget", { targetId }).catch(() => {});
  }
}
