export * from "./setpoll.js";
export * from "./async.js";
