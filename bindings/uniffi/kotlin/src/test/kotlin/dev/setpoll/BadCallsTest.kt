package dev.setpoll

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * A table of bad calls thrown at every export: negative times and counts,
 * oversized strings, invalid JSON, calls out of order. Each must throw a
 * typed [SetpollException] with the stable `code` in the table (never a
 * crash, a RuntimeException or a silently coerced value), with a bounded
 * message, and every object involved must still work afterwards.
 */
class BadCallsTest {
    private val big = "x".repeat(5_000_000)
    private val tx = MemoryTransmitter(TransmitterConfig())
    private val st = StorageTransmitter(TransmitterConfig())
    private val ring = Keyring.fromJwks(jwksFromKeys(listOf(Keys.es)), null)
    private val rxConfig = ReceiverConfig(ISS, AUD, jwksFromKeys(listOf(Keys.es)), jitterSeed = SEED)
    private val rx = Receiver(rxConfig)
    private val policy = VerifyPolicy(issuer = ISS, audience = AUD)
    private val token by lazy { signSet(makeClaims("bad-calls"), Keys.es, NOW_MS, HeaderProfile.Rfc8417) }
    private val pollPlan by lazy { st.planPoll(AUD, "{}", NOW_MS, "") }
    private val sweepPlan by lazy { st.planSweep(NOW_MS, 10) }
    private val enqueuePlan by lazy { st.planEnqueue(token, NOW_MS) }
    private val wait by lazy {
        MemoryTransmitter(TransmitterConfig(longPollMaxWaitMs = 1_000)).handlePoll(AUD, """{"returnImmediately":false}""", NOW_MS, "").wait!!
    }

    private fun eventful() = ClaimsBuilder(ISS, "j", AUD, 1).customEvent("https://x.example/e", "{}")

    private class Row(val label: String, val type: Class<out SetpollException>, val code: String, val call: () -> Any?)

    private inline fun <reified T : SetpollException> row(label: String, code: String, noinline call: () -> Any?) =
        Row(label, T::class.java, code, call)

    private fun table(): List<Row> = listOf(
        // negative times
        row<SetpollException.Argument>("timestampFromSecs(-1)", "negative_time") { timestampFromSecs(-1) },
        row<SetpollException.Argument>("timestampAsSecs(-1)", "negative_time") { timestampAsSecs(-1) },
        row<SetpollException.Argument>("signSet(now=-1)", "negative_time") { signSet(makeClaims(), Keys.es, -1, HeaderProfile.Rfc8417) },
        row<SetpollException.Argument>("verifySet(now=-1)", "negative_time") { verifySet(token, ring, policy, -1) },
        row<SetpollException.Argument>("MemoryTransmitter.enqueue(now=-1)", "negative_time") { tx.enqueue(token, -1) },
        row<SetpollException.Argument>("MemoryTransmitter.handlePoll(now=-1)", "negative_time") { tx.handlePoll(AUD, "{}", -1, "") },
        row<SetpollException.Argument>("MemoryTransmitter.handlePollBytes(now=-1)", "negative_time") { tx.handlePollBytes(AUD, "{}".toByteArray(), -1, "") },
        row<SetpollException.Argument>("MemoryTransmitter.resume(now=-1)", "negative_time") { tx.resume(wait, -1) },
        row<SetpollException.Argument>("MemoryTransmitter.sweep(now=-1)", "negative_time") { tx.sweep(-1, 10) },
        row<SetpollException.Argument>("StorageTransmitter.planEnqueue(now=-1)", "negative_time") { st.planEnqueue(token, -1) },
        row<SetpollException.Argument>("StorageTransmitter.planPoll(now=-1)", "negative_time") { st.planPoll(AUD, "{}", -1, "") },
        row<SetpollException.Argument>("StorageTransmitter.planPollBytes(now=-1)", "negative_time") { st.planPollBytes(AUD, ByteArray(2), -1, "") },
        row<SetpollException.Argument>("StorageTransmitter.planResume(now=-1)", "negative_time") { st.planResume(wait, -1) },
        row<SetpollException.Argument>("StorageTransmitter.planSweep(now=-1)", "negative_time") { st.planSweep(-1, 10) },
        row<SetpollException.Argument>("Receiver.nextRequest(now=-1)", "negative_time") { rx.nextRequest(-1) },
        row<SetpollException.Argument>("Receiver.handleResponse(now=-1)", "negative_time") { rx.handleResponse(0, 200, "{}", -1, null) },
        row<SetpollException.Argument>("Receiver.handleFailure(now=-1)", "negative_time") { rx.handleFailure(0, -1) },
        // negative counts and sizes
        row<SetpollException.Argument>("MemoryTransmitter.sweep(budget=-1)", "negative_value") { tx.sweep(NOW_MS, -1) },
        row<SetpollException.Argument>("StorageTransmitter.planSweep(budget=-1)", "negative_value") { st.planSweep(NOW_MS, -1) },
        row<SetpollException.Argument>("decideEnqueue(newestSeq=-1)", "negative_value") { st.decideEnqueue(enqueuePlan, null, -1) },
        row<SetpollException.Argument>("Receiver.handleResponse(id=-1)", "negative_value") { rx.handleResponse(-1, 200, "{}", NOW_MS, null) },
        row<SetpollException.Argument>("Receiver.handleResponseBytes(status=-5)", "bad_status") { rx.handleResponseBytes(0, -5, ByteArray(0), NOW_MS, null) },
        row<SetpollException.Argument>("Receiver.handleResponse(status=70000)", "bad_status") { rx.handleResponse(0, 70_000, "", NOW_MS, null) },
        row<SetpollException.Argument>("Receiver.handleFailure(id=-1)", "negative_value") { rx.handleFailure(-1, NOW_MS) },
        row<SetpollException.Argument>("TransmitterConfig(maxAttempts=-1)", "negative_value") { MemoryTransmitter(TransmitterConfig(maxAttempts = -1)) },
        row<SetpollException.Argument>("TransmitterConfig(retentionMs=-1)", "negative_value") { StorageTransmitter(TransmitterConfig(retentionMs = -1)) },
        row<SetpollException.Argument>("TransmitterConfig(longPollMaxWaitMs=-1)", "negative_value") { MemoryTransmitter.fromRecords(TransmitterConfig(longPollMaxWaitMs = -1), "[]") },
        row<SetpollException.Argument>("ReceiverConfig(pollIntervalMs=-1)", "negative_value") { Receiver(rxConfig.copy(pollIntervalMs = -1)) },
        row<SetpollException.Argument>("ReceiverConfig(dedupCapacity=-1)", "negative_value") { Receiver(rxConfig.copy(dedupCapacity = -1)) },
        row<SetpollException.Argument>("ReceiverConfig(maxSkewSecs=-1)", "negative_value") { Receiver.restore(rxConfig.copy(maxSkewSecs = -1), rx.state()) },
        row<SetpollException.Argument>("VerifyPolicy(maxSkewSecs=-1)", "negative_value") { verifySet(token, ring, policy.copy(maxSkewSecs = -1), NOW_MS) },
        row<SetpollException.Argument>("VerifyPolicy(maxTokenBytes=-1)", "negative_value") { verifySet(token, ring, policy.copy(maxTokenBytes = -1), NOW_MS) },
        row<SetpollException.Argument>("VerifyPolicy(maxAgeSecs=-1)", "negative_value") { verifySet(token, ring, policy.copy(maxAgeSecs = -1), NOW_MS) },
        row<SetpollException.Argument>("VerifyPolicy(algorithms=[HS256])", "alg_hmac") { verifySet(token, ring, policy.copy(algorithms = listOf("HS256")), NOW_MS) },
        row<SetpollException.Argument>("RequestLimits(maxBodyBytes=-1)", "negative_value") { parseRequest("{}", true, "", RequestLimits(maxBodyBytes = -1)) },
        row<SetpollException.Argument>("ResponseLimits(maxSets=-1)", "negative_value") { parseResponseBytes(ByteArray(0), ResponseLimits(maxSets = -1)) },
        row<SetpollException.Argument>("requestToJson(maxEvents=-1)", "negative_value") { requestToJson(PollRequest(maxEvents = -1)) },
        row<SetpollException.Argument>("generatePs256(bits=-1)", "bad_key_size") { SigningKey.generatePs256(SEED, -1, null) },
        row<SetpollException.Argument>("generatePs256(bits=8192)", "bad_key_size") { SigningKey.generatePs256(SEED, 8192, null) },
        row<SetpollException.Argument>("generateEs256(seed of 31 bytes)", "bad_seed") { SigningKey.generateEs256(ByteArray(31), null) },
        row<SetpollException.Argument>("generateEs256(empty seed)", "bad_seed") { SigningKey.generateEs256(ByteArray(0), null) },
        // oversized strings
        row<SetpollException.Verify>("verifySet(5 MB)", "token_too_large") { verifySet(big, ring, policy, NOW_MS) },
        row<SetpollException.Request>("parseRequest(5 MB)", "body_too_large") { parseRequest(big) },
        row<SetpollException.Request>("parseRequestBytes(5 MB)", "body_too_large") { parseRequestBytes(big.toByteArray()) },
        row<SetpollException.Response>("parseResponse(5 MB)", "malformed_json") { parseResponse(big) },
        row<SetpollException.Response>("parseResponse(17 MB)", "body_too_large") { parseResponse("x".repeat(17_000_000)) },
        row<SetpollException.Request>("MemoryTransmitter.handlePoll(5 MB)", "body_too_large") { tx.handlePoll(AUD, big, NOW_MS, "") },
        row<SetpollException.Request>("StorageTransmitter.planPoll(5 MB)", "body_too_large") { st.planPoll(AUD, big, NOW_MS, "") },
        row<SetpollException.Key>("Keyring.fromJwks(5 MB)", "jwk_too_large") { Keyring.fromJwks(big, null) },
        row<SetpollException.Key>("SigningKey.fromJwk(5 MB)", "jwk_too_large") { SigningKey.fromJwk(big, null) },
        row<SetpollException.Verify>("peekEnvelope(5 MB)", "malformed") { peekEnvelope(big) },
        row<SetpollException.Transmitter>("MemoryTransmitter.enqueue(5 MB)", "malformed_token") { tx.enqueue(big, NOW_MS) },
        row<SetpollException.Transmitter>("StorageTransmitter.planEnqueue(5 MB)", "malformed_token") { st.planEnqueue(big, NOW_MS) },
        row<SetpollException.Receiver>("Receiver.reject(5 MB err)", "invalid_err_code") { rx.reject("nope", big, "d") },
        // invalid JSON
        row<SetpollException.Key>("Keyring.fromJwks({)", "jwk_not_json") { Keyring.fromJwks("{", null) },
        row<SetpollException.Key>("JwkSet.fromJson({)", "jwk_not_json") { JwkSet.fromJson("{") },
        row<SetpollException.Key>("Jwk.fromJson({)", "jwk_not_json") { Jwk.fromJson("{") },
        row<SetpollException.Key>("jwkThumbprint({)", "jwk_not_json") { jwkThumbprint("{") },
        row<SetpollException.Key>("SigningKey.fromJwk({)", "jwk_not_json") { SigningKey.fromJwk("{", null) },
        row<SetpollException.Key>("SigningKey.fromPkcs8Pem(junk)", "invalid_pem") { SigningKey.fromPkcs8Pem("-----BEGIN PRIVATE KEY-----", null) },
        row<SetpollException.Claims>("SetClaims.fromJson({)", "malformed_json") { SetClaims.fromJson("{") },
        row<SetpollException.Argument>("ClaimsBuilder.customEvent(payload [1)", "invalid_event_payload") { ClaimsBuilder(ISS, "j", AUD, 1).customEvent("https://x.example/e", "[1") },
        row<SetpollException.Argument>("ClaimsBuilder.customEvent(payload [1])", "invalid_event_payload") { ClaimsBuilder(ISS, "j", AUD, 1).customEvent("https://x.example/e", "[1]") },
        row<SetpollException.Argument>("ClaimsBuilder.subIdJson(\"x\")", "invalid_sub_id") { ClaimsBuilder(ISS, "j", AUD, 1).subIdJson("\"x\"") },
        row<SetpollException.Argument>("ClaimsBuilder.claim(x, {)", "invalid_claim_value") { ClaimsBuilder(ISS, "j", AUD, 1).claim("x", "{") },
        row<SetpollException.Argument>("ClaimsBuilder.claim(x, {a,a})", "invalid_claim_value") { ClaimsBuilder(ISS, "j", AUD, 1).claim("x", "{\"a\":1,\"a\":2}") },
        row<SetpollException.Argument>("ClaimsBuilder.customEvent(payload {a,a})", "invalid_event_payload") { ClaimsBuilder(ISS, "j", AUD, 1).customEvent("https://x.example/e", "{\"a\":1,\"a\":2}") },
        row<SetpollException.Claims>("ClaimsBuilder.claim(exp).build()", "duplicate_member") { ClaimsBuilder(ISS, "j", AUD, 1).claim("exp", "1").customEvent("https://x.example/e", "{}").build() },
        row<SetpollException.Argument>("MemoryTransmitter.fromRecords({)", "bad_json") { MemoryTransmitter.fromRecords(TransmitterConfig(), "{") },
        row<SetpollException.Argument>("decidePoll(named {)", "bad_json") { st.decidePoll(pollPlan, "{", "[]") },
        row<SetpollException.Argument>("decidePoll(deliverable {})", "bad_json") { st.decidePoll(pollPlan, "[]", "{}") },
        row<SetpollException.Argument>("decideSweep(records [1])", "bad_json") { st.decideSweep(sweepPlan, "[1]", false) },
        row<SetpollException.Argument>("decideEnqueue(record {)", "bad_json") { st.decideEnqueue(enqueuePlan, "{", null) },
        row<SetpollException.Receiver>("Receiver.restore(state {)", "state_json") { Receiver.restore(rxConfig, "{") },
        row<SetpollException.Key>("Receiver.refreshKeys({)", "jwk_not_json") { rx.refreshKeys("{", NOW_MS) },
        row<SetpollException.Argument>("Receiver.refreshKeys(now=-1)", "negative_time") { rx.refreshKeys(jwksFromKeys(listOf(Keys.es)), -1) },
        row<SetpollException.Argument>("Receiver.refreshKeysFailed(now=-1)", "negative_time") { rx.refreshKeysFailed(-1) },
        row<SetpollException.Receiver>("applyReceiverChanges(state {)", "state_json") { applyReceiverChanges("{", "[]") },
        row<SetpollException.Argument>("applyReceiverChanges(changes {)", "bad_json") { applyReceiverChanges(rx.state(), "{") },
        row<SetpollException.Key>("ReceiverConfig(jwksJson {)", "jwk_not_json") { Receiver(rxConfig.copy(jwksJson = "{")) },
        row<SetpollException.Response>("parseErrorResponse({)", "malformed_json") { parseErrorResponse("{") },
        row<SetpollException.Response>("obieErrorResponse({)", "malformed_json") { obieErrorResponse(ObieVersion.V4_0, "{") },
        row<SetpollException.Request>("parseRequest({)", "malformed_json") { parseRequest("{") },
        row<SetpollException.Request>("requestToJson(ack [\"\"])", "invalid_length") { requestToJson(PollRequest(ack = listOf(""))) },
        row<SetpollException.Argument>("signSet(OBIE profile, empty org)", "invalid_org_id") { signSet(makeClaims(), Keys.es, NOW_MS, HeaderProfile.Obie("", "")) },
        // calls out of order
        row<SetpollException.Receiver>("Receiver.handleResponse(unknown id)", "unknown_request") { rx.handleResponse(999, 200, "{}", NOW_MS, null) },
        row<SetpollException.Receiver>("Receiver.handleFailure(unknown id)", "unknown_request") { rx.handleFailure(999, NOW_MS) },
        row<SetpollException.Receiver>("Receiver.ack(unknown jti)", "unknown_jti") { rx.ack("nope") },
        row<SetpollException.Receiver>("Receiver.reject(unknown jti)", "unknown_jti") { rx.reject("nope", "jwtIss", "d") },
        row<SetpollException.Argument>("ClaimsBuilder.build() twice", "builder_used") { eventful().also { it.build() }.build() },
        row<SetpollException.Argument>("ClaimsBuilder.sub() after build()", "builder_used") { eventful().also { it.build() }.sub("s") },
    )

    /** Every object of the table still answers correctly. */
    private fun stillUsable(label: String) {
        assertEquals(0L, tx.size(), label)
        assertEquals(emptyPollResponse(), tx.handlePoll(AUD, "{}", NOW_MS, "").responseJson, label)
        assertEquals(AUD, st.planPoll(AUD, "{}", NOW_MS, "").client(), label)
        assertEquals(emptyPollResponse(), st.decidePoll(pollPlan, "[]", "[]").responseJson, label)
        assertEquals(listOf("es-1"), ring.kids(), label)
        assertEquals("bad-calls", verifySet(token, ring, policy, NOW_MS).claims.jti(), label)
        assertNotNull(rx.pollTimeout(), label)
        assertTrue(rx.state().startsWith("{"), label)
    }

    @Test
    fun everyBadCallIsATypedErrorAndLeavesTheObjectsUsable() {
        stillUsable("before")
        val problems = mutableListOf<String>()
        val rows = table()
        for (r in rows) {
            try {
                r.call()
                problems += "${r.label}: no error"
            } catch (e: SetpollException) {
                if (!r.type.isInstance(e) || e.codeOf() != r.code) problems += "${r.label}: ${e::class.simpleName}(${e.codeOf()}), want ${r.type.simpleName}(${r.code})"
                val message = e.message.orEmpty()
                if (message.length > 1_500) problems += "${r.label}: message of ${message.length} characters"
            } catch (e: Throwable) {
                problems += "${r.label}: ${e::class.qualifiedName}: ${e.message?.take(200)}"
            }
            stillUsable(r.label)
        }
        assertEquals(emptyList(), problems)
        assertTrue(rows.size >= 70, "${rows.size} rows")
    }
}

/** The stable code of any variant. */
fun SetpollException.codeOf(): String = when (this) {
    is SetpollException.Argument -> code
    is SetpollException.Request -> code
    is SetpollException.Response -> code
    is SetpollException.Claims -> code
    is SetpollException.Key -> code
    is SetpollException.Sign -> code
    is SetpollException.Verify -> code
    is SetpollException.Transmitter -> code
    is SetpollException.Receiver -> code
}
