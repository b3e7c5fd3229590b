// What importing the ready-on-import entry costs in a browser: each round
// starts a module worker (a fresh realm: nothing compiled or instantiated
// carries over) that imports /pkg/inline.js and reports how long the import
// took (fetch from the local server, decode of the inlined .wasm, compile,
// instantiate) and the package's version. With ?base (SETPOLL_PKG_BASE) the
// rounds alternate with that build's entry, /pkg-base/inline.js, and the
// page prints the ratio of the medians. A benchmark, not a test: run it with
//   SETPOLL_BROWSER_PAGE=import.html node scripts/wasm/browser-test.mjs
const params = new URLSearchParams(location.search);
const rounds = Number(params.get("rounds") ?? 15);
const entries = { current: "/pkg/inline.js", ...(params.has("base") ? { base: "/pkg-base/inline.js" } : {}) };
const out = document.getElementById("out");
const say = (line) => {
  out.textContent += `${line}\n`;
  console.log(line);
};

function importIn(entry) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(`./import-worker.mjs?entry=${encodeURIComponent(entry)}`, import.meta.url), { type: "module" });
    w.onmessage = (e) => {
      w.terminate();
      resolve(e.data);
    };
    w.onerror = (e) => {
      w.terminate();
      reject(new Error(`${entry}: ${e.message}`));
    };
  });
}

const failures = [];
const times = Object.fromEntries(Object.keys(entries).map((k) => [k, []]));
try {
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? Object.keys(entries) : Object.keys(entries).reverse();
    for (const name of order) {
      const { ms, version, error } = await importIn(entries[name]);
      if (error || typeof version !== "string") failures.push(`${name}: ${error ?? "no version"}`);
      else times[name].push(ms);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const [name, xs] of Object.entries(times)) {
    say(`import ${entries[name]}: median ${median(xs).toFixed(1)} ms, min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)} (${xs.length} workers)`);
  }
  if (times.base) say(`current/base: ${(median(times.current) / median(times.base)).toFixed(2)}x the import time`);
} catch (e) {
  failures.push(String(e));
}
globalThis.__setpollResult = { passed: failures.length === 0 ? 1 : 0, failed: failures.length, failures };
