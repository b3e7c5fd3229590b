// The Node entry of `setpoll`: the wasm core with signatures on node:crypto
// (OpenSSL), synchronous. The async forms exist so that code written for
// browsers (verifySetAsync, signSetAsync, Receiver#handleResponseAsync) runs
// unchanged. (Written so that Node's ESM loader sees every named export.)
"use strict";
const node = require("./crypto-node.js");

module.exports = require("./setpoll.js");
const setpoll = module.exports;
setpoll.installPlatformCrypto(node.provider);

module.exports.verifySetAsync = async function verifySetAsync(token, keyring, policy, nowMs) {
  return setpoll.verifySet(token, keyring, policy, nowMs);
};
module.exports.signSetAsync = async function signSetAsync(claims, key, nowMs, profile) {
  return setpoll.signSet(claims, key, nowMs, profile);
};
module.exports.platformCrypto = "node:crypto";
setpoll.Receiver.prototype.handleResponseAsync = async function (id, status, body, nowMs, retryAfter) {
  return this.handleResponse(id, status, body, nowMs, retryAfter);
};
