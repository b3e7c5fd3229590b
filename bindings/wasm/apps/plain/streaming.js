import init, * as setpoll from "./node_modules/setpoll/web/index.js";
import { check, report } from "./check.mjs";
import vectors from "./vectors.mjs";

report(init().then(() => check(setpoll, vectors)));
