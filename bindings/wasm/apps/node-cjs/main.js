const setpoll = require("setpoll");

(async () => {
  const { check } = await import("./check.mjs");
  const { default: vectors } = await import("./vectors.mjs");
  console.log(JSON.stringify(await check(setpoll, vectors)));
})();
