#!/usr/bin/env python3
"""Check that the generated Swift bindings are complete.

Swift cannot be compiled on this machine, so this proves the next best thing:
every scaffolding function the library exports (functions, methods,
constructors, object free/clone) is declared in the C header and called from
the Swift file; every type in the library's UniFFI metadata (records, enums,
errors, objects) is declared in Swift; every Kotlin function or method has a
Swift twin with the same name; and every declaration in `EXPECTED` (the
exports the READMEs' Swift examples call, and the newer ones, with their
exact Swift signatures) is present, so a renamed label breaks the build
rather than the README.

    check_swift.py <libsetpoll_uniffi.so> <swift dir> <generated kotlin file>
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

# Scaffolding symbols are named after the crate that defines the exports
# (`setpoll-host`); the UniFFI namespace (`setpoll`) names the generated files.
NAMESPACE = "setpoll_host"

# Swift declarations that must exist exactly so (doc comments stripped and
# whitespace collapsed before matching). The README's Swift examples use
# these; keep both in step.
EXPECTED = [
    # wire: String and bytes entry points
    "public func parseRequest(body: String, rejectUnknownMembers: Bool = true, interactionId: String = \"\", limits: RequestLimits? = nil)throws -> PollRequest",
    "public func parseRequestBytes(body: Data, rejectUnknownMembers: Bool = true, interactionId: String = \"\", limits: RequestLimits? = nil)throws -> PollRequest",
    "public func parseResponse(body: String, limits: ResponseLimits? = nil)throws -> PollResponse",
    "public func parseResponseBytes(body: Data, limits: ResponseLimits? = nil)throws -> PollResponse",
    # OBIE rules and defaults
    "public func obieSuccessStatus(version: ObieVersion) -> Int32",
    "public func obieErrorResponse(version: ObieVersion, errorResponseJson: String)throws -> String",
    "public func emptyPollResponse() -> String",
    "public func transmitterDefaults() -> TransmitterConfig",
    # SETs (README: verifySet and the SetpollError.Verify pattern)
    "public func verifySet(token: String, keyring: Keyring, policy: VerifyPolicy, nowMs: Int64)throws -> VerifiedSet",
    "public init( issuer: String?, audience: String?, algorithms: [String]? = nil, maxSkewSecs: Int64? = nil, maxTokenBytes: Int32? = nil, maxAgeSecs: Int64? = nil, acceptJwtTyp: Bool? = nil, requireTyp: Bool? = nil)",
    "case Verify( code: String, detail: String, setErr: String, setErrRfc8935: String, description: String )",
    "public static func generatePs256(seed: Data, bits: Int32, kid: String?)throws -> SigningKey",
    # receiver (README: the URLSession polling loop)
    "case Receiver( code: String, detail: String )",
    "public init( issuer: String, clientId: String, jwksJson: String, maxSkewSecs: Int64? = nil,",
    "public convenience init(config: ReceiverConfig)throws {",
    "public static func restore(config: ReceiverConfig, state: String)throws -> Receiver {",
    "open func config()throws -> ReceiverConfig {",
    "open func unsettled()throws -> [ReceiverDelivery] {",
    "open func nextRequest(nowMs: Int64)throws -> ReceiverRequest? {",
    "open func pollTimeout()throws -> Int64? {",
    "open func handleResponse(id: Int64, status: Int32, body: String, nowMs: Int64, retryAfter: String?)throws -> ReceiverBatch {",
    "open func handleResponseBytes(id: Int64, status: Int32, body: Data, nowMs: Int64, retryAfter: String?)throws -> ReceiverBatch {",
    "open func handleFailure(id: Int64, nowMs: Int64)throws -> PollFailure {",
    "open func ack(jti: String)throws {",
    "open func reject(jti: String, err: String, description: String)throws {",
    "open func takeChanges()throws -> String? {",
    "open func refreshKeys(jwksJson: String, nowMs: Int64)throws -> ReceiverBatch {",
    "public func applyReceiverChanges(state: String, changes: String)throws -> String",
    "open func state()throws -> String {",
    "public struct ReceiverRequest: Equatable, Hashable { public var id: Int64 public var kind: ReceiverRequestKind public var body: String",
    "public var failure: PollFailure?",
    "public struct PollFailure: Equatable, Hashable { public var code: String public var message: String public var status: Int32? public var errorResponseJson: String? public var retryAtMs: Int64 public var failuresInARow: Int32 public var longPollRefused: Bool",
    "public struct ReceiverDelivery: Equatable, Hashable { public var jti: String",
    # transmitter, in memory
    "public static func fromRecords(config: TransmitterConfig, recordsJson: String)throws -> MemoryTransmitter {",
    "open func handlePoll(client: String, body: String, nowMs: Int64, interactionId: String)throws -> PollAnswer {",
    "open func handlePollBytes(client: String, body: Data, nowMs: Int64, interactionId: String)throws -> PollAnswer {",
    "open func sweep(nowMs: Int64, budget: Int32)throws -> SweepResult {",
    # transmitter, storage-neutral: plans are opaque objects
    "open class StorageTransmitter: StorageTransmitterProtocol, @unchecked Sendable {",
    "open func config() -> TransmitterConfig {",
    "open func planEnqueue(token: String, nowMs: Int64)throws -> EnqueuePlan {",
    "open func decideEnqueue(plan: EnqueuePlan, existingRecordJson: String?, newestSeq: Int64?)throws -> EnqueueResult {",
    "open func planPoll(client: String, body: String, nowMs: Int64, interactionId: String)throws -> PollPlan {",
    "open func planPollBytes(client: String, body: Data, nowMs: Int64, interactionId: String)throws -> PollPlan {",
    "open func planResume(wait: PollWait, nowMs: Int64)throws -> PollPlan {",
    "open func decidePoll(plan: PollPlan, namedRecordsJson: String, deliverableRecordsJson: String)throws -> PollAnswer {",
    "open func planSweep(nowMs: Int64, budget: Int32)throws -> SweepPlan {",
    "open func decideSweep(plan: SweepPlan, recordsJson: String, loadedFull: Bool)throws -> SweepResult {",
    "open class EnqueuePlan: EnqueuePlanProtocol, @unchecked Sendable {",
    "open class PollPlan: PollPlanProtocol, @unchecked Sendable {",
    "open class SweepPlan: SweepPlanProtocol, @unchecked Sendable {",
    "public struct DeliverableQuery: Equatable, Hashable { public var client: String public var nowMs: Int64 public var maxAttempts: Int32 public var exclude: [String] public var limit: Int32",
]


def flat(text: str) -> str:
    """`text` without doc comments, with every run of whitespace one space."""
    return " ".join(re.sub(r"/\*\*.*?\*/", "", text, flags=re.DOTALL).split())


def exported_symbols(lib: Path) -> list[str]:
    out = subprocess.run(
        ["nm", "--defined-only", str(lib)], check=True, capture_output=True, text=True
    ).stdout
    return [line.split()[-1] for line in out.splitlines() if line.strip()]


def main(argv: list[str]) -> int:
    lib, swift_dir, kotlin_file = Path(argv[1]), Path(argv[2]), Path(argv[3])
    swift = (swift_dir / "Setpoll.swift").read_text()
    header = (swift_dir / "SetpollFFI.h").read_text()
    modulemap = (swift_dir / "SetpollFFI.modulemap").read_text()
    kotlin = kotlin_file.read_text()
    symbols = exported_symbols(lib)
    problems: list[str] = []

    if 'header "SetpollFFI.h"' not in modulemap:
        problems.append("modulemap does not name SetpollFFI.h")

    scaffolding = [s for s in symbols if s.startswith(f"uniffi_{NAMESPACE}_fn_")]
    checksums = [s for s in symbols if s.startswith(f"uniffi_{NAMESPACE}_checksum_")]
    if not scaffolding:
        problems.append("the library exports no scaffolding functions")
    for sym in scaffolding + checksums:
        if sym not in header:
            problems.append(f"{sym}: missing from SetpollFFI.h")
        # Swift derives `!=` from `==`, so the exported `ne` of an Eq trait is never called.
        if sym not in swift and not sym.endswith("_uniffi_trait_eq_ne"):
            problems.append(f"{sym}: never called from Setpoll.swift")

    swift_types = {
        re.sub(r"_", "", name).lower()
        for name in re.findall(
            r"^\s*(?:public\s+|open\s+)*(?:struct|enum|class|protocol)\s+(\w+)",
            swift,
            re.MULTILINE,
        )
    }
    meta = re.compile(rf"^UNIFFI_META_{NAMESPACE.upper()}_(RECORD|ENUM|ERROR|INTERFACE|OBJECT)_(\w+)$")
    types = [m.group(2) for m in map(meta.match, symbols) if m]
    for t in types:
        if t.lower() not in swift_types:
            problems.append(f"type {t}: not declared in Setpoll.swift")

    kotlin_funs = sorted(set(re.findall(r"\bfun `(\w+)`\(", kotlin)))
    for name in kotlin_funs:
        if not re.search(rf"\bfunc {re.escape(name)}\(", swift):
            problems.append(f"Kotlin fun {name}: no Swift func {name}(")

    flat_swift = flat(swift)
    for decl in EXPECTED:
        if flat(decl) not in flat_swift:
            problems.append(f"expected declaration missing: {decl}")

    for p in problems:
        print(f"swift: {p}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"swift: complete ({len(scaffolding)} scaffolding functions, {len(types)} types, "
        f"{len(kotlin_funs)} Kotlin functions matched, {len(EXPECTED)} expected declarations)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
