import * as setpoll from "./node_modules/setpoll/web-receiver/inline.js";
import { check, report } from "./check.mjs";
import vectors from "./vectors.mjs";

report(check(setpoll, vectors));
