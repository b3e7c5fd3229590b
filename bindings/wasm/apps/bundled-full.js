// full.js of the esbuild app: the whole API in a browser (the transmitter and
// SET signing as well), from the `setpoll/full` export.
import * as setpoll from "setpoll/full";
import { check, report } from "./check.mjs";
import vectors from "./vectors.mjs";

report(check(setpoll, vectors));
