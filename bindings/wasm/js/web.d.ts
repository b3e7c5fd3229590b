import type { InitInput, InitOutput, SyncInitInput } from "./setpoll.js";
export * from "./setpoll.js";
export * from "./async.js";
/** Load the module once (later calls return the same promise) and install WebCrypto. */
export default function init(input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
/** Load the module synchronously from its bytes and install WebCrypto. */
export declare function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;
