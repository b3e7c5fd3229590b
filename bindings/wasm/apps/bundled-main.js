// main.js of the Vite, esbuild and webpack apps: the package imported by name.
import * as setpoll from "setpoll";
import { check, report } from "./check.mjs";
import vectors from "./vectors.mjs";

report(check(setpoll, vectors));
