// import.mjs's worker: imports one entry and posts how long that took.
const entry = new URL(location.href).searchParams.get("entry");
const t0 = performance.now();
try {
  const setpoll = await import(entry);
  const ms = performance.now() - t0;
  postMessage({ ms, version: setpoll.version() });
} catch (e) {
  postMessage({ error: String(e) });
}
