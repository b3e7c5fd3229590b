import * as setpoll from "./node_modules/setpoll/web/inline.js";
import { check, report } from "./check.mjs";
import vectors from "./vectors.mjs";

report(check(setpoll, vectors));
