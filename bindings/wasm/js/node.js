// The Node entry of `setpoll`: the wasm core with signatures on node:crypto
// (OpenSSL), synchronous. The async forms exist so that code written for
// browsers (verifySetAsync, signSetAsync, Receiver#handleResponseAsync) runs
// unchanged.
"use strict";
const setpoll = require("./setpoll.js");
const node = require("./crypto-node.js");

setpoll.installPlatformCrypto(node.provider);

async function verifySetAsync(token, keyring, policy, nowMs) {
  return setpoll.verifySet(token, keyring, policy, nowMs);
}
async function signSetAsync(claims, key, nowMs, profile) {
  return setpoll.signSet(claims, key, nowMs, profile);
}
setpoll.Receiver.prototype.handleResponseAsync = async function (id, status, body, nowMs, retryAfter) {
  return this.handleResponse(id, status, body, nowMs, retryAfter);
};

module.exports = Object.assign({}, setpoll, { verifySetAsync, signSetAsync, platformCrypto: "node:crypto" });
