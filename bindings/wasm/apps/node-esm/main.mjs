import * as setpoll from "setpoll";
import { check } from "./check.mjs";
import vectors from "./vectors.mjs";

console.log(JSON.stringify(await check(setpoll, vectors)));
