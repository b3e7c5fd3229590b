package dev.setpoll

import java.io.File
import java.util.Base64
import org.json.JSONArray
import org.json.JSONObject
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Runs the shared golden vectors (the JSON files in tests/vectors) through the Kotlin
 * API; every result must match the Rust generator's byte for byte.
 * Every body runs through the `*Bytes` entry points (`bodyBase64` bodies,
 * which are not UTF-8, only there) and every `body` also through the String
 * ones. Transmitter scripts run against both MemoryTransmitter and
 * StorageTransmitter; scripts are driven step by step, as
 * tests/src/script/receiver.rs and tests/src/script/transmitter.rs do.
 */
class VectorsTest {
    private val dir = File(System.getProperty("setpoll.vectors"))
    private val byKind: Map<String, List<JSONObject>> by lazy {
        dir.listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
            .map { JSONObject(it.readText()) }
            .groupBy({ it.getString("kind") }) { doc -> doc.getJSONArray("cases").let { a -> (0 until a.length()).map { a.getJSONObject(it) } } }
            .mapValues { (_, v) -> v.flatten() }
    }

    private fun ok(vararg pairs: Pair<String, Any?>) = JSONObject().put("ok", obj(*pairs))
    private fun err(vararg pairs: Pair<String, Any?>) = JSONObject().put("error", obj(*pairs))
    private fun obj(vararg pairs: Pair<String, Any?>): JSONObject {
        val o = JSONObject()
        for ((k, v) in pairs) o.put(k, v ?: JSONObject.NULL)
        return o
    }
    private fun JSONObject.optStr(k: String): String? = if (isNull(k)) null else getString(k)
    private fun JSONObject.optInt32(k: String): Int? = if (has(k) && !isNull(k)) getInt(k) else null

    private fun check(kind: String, run: (JSONObject) -> JSONObject?): Int {
        val cases = byKind[kind].orEmpty()
        assertTrue(cases.isNotEmpty(), "no $kind vectors")
        val failures = mutableListOf<String>()
        var ran = 0
        for (c in cases) {
            val got = run(c) ?: continue
            ran++
            if (!got.similar(c.getJSONObject("expect"))) failures += "${c.getString("name")}: got $got"
        }
        assertEquals(emptyList(), failures, kind)
        return ran
    }

    @Test
    fun everyKindIsKnown() {
        val known = setOf("request_parse", "response_parse", "claims", "claims_build", "verify", "sign", "jwk", "jwks", "transmitter", "receiver", "defaults")
        assertTrue(known.containsAll(byKind.keys), "no runner for ${byKind.keys - known}")
    }

    /** A case's body as the exact bytes to pass: `body` as UTF-8, or `bodyBase64` decoded. */
    private fun bodyBytes(c: JSONObject): ByteArray =
        if (c.has("bodyBase64")) Base64.getDecoder().decode(c.getString("bodyBase64")) else c.getString("body").toByteArray(Charsets.UTF_8)

    private fun requestResult(parse: () -> PollRequest): JSONObject = try {
        ok("requestJson" to requestToJson(parse()))
    } catch (e: SetpollException.Request) {
        err("code" to e.code, "errorCode" to e.obieCode, "path" to e.path, "errorResponseJson" to e.errorResponse)
    }

    @Test
    fun requestParse() {
        val limitsOf = { c: JSONObject -> c.optJSONObject("limits")?.let { RequestLimits(it.optInt32("maxBodyBytes"), it.optInt32("maxAck"), it.optInt32("maxSetErrs")) } }
        val ranBytes = check("request_parse") { c ->
            requestResult { parseRequestBytes(bodyBytes(c), c.getBoolean("rejectUnknownMembers"), ERROR_ID, limitsOf(c)) }
        }
        assertEquals(byKind["request_parse"]!!.size, ranBytes)
        assertTrue(byKind["request_parse"]!!.any { it.has("bodyBase64") }, "no non-UTF-8 request body")
        val ranText = check("request_parse") { c ->
            if (c.has("bodyBase64")) return@check null
            requestResult { parseRequest(c.getString("body"), c.getBoolean("rejectUnknownMembers"), ERROR_ID, limitsOf(c)) }
        }
        assertTrue(ranText > 100)
    }

    private fun responseResult(parse: () -> PollResponse): JSONObject = try {
        ok("responseJson" to responseToJson(parse()))
    } catch (e: SetpollException.Response) {
        err("code" to e.code, "path" to e.path)
    }

    @Test
    fun responseParse() {
        val limitsOf = { c: JSONObject -> c.optJSONObject("limits")?.let { ResponseLimits(it.optInt32("maxBodyBytes"), it.optInt32("maxSets")) } }
        val ranBytes = check("response_parse") { c -> responseResult { parseResponseBytes(bodyBytes(c), limitsOf(c)) } }
        assertEquals(byKind["response_parse"]!!.size, ranBytes)
        assertTrue(byKind["response_parse"]!!.any { it.has("bodyBase64") }, "no non-UTF-8 response body")
        check("response_parse") { c ->
            if (c.has("bodyBase64")) return@check null
            responseResult { parseResponse(c.getString("body"), limitsOf(c)) }
        }
    }

    @Test
    fun claims() {
        check("claims") { c ->
            try {
                val claims = SetClaims.fromJson(c.getString("claimsJson"))
                if (c.optBoolean("obieProfile")) claims.checkObieProfile()
                typed(claims)
            } catch (e: SetpollException.Claims) {
                err("code" to e.code, "path" to e.path, "setErrObie" to e.setErr, "setErrRfc8935" to e.setErrRfc8935)
            }
        }
    }

    @Test
    fun jwk() {
        check("jwk") { c ->
            try {
                Jwk.fromJson(c.getString("jwkJson")).use { k ->
                    ok("jwkJson" to k.toJson(), "publicJwkJson" to k.toPublicJson(), "thumbprint" to k.thumbprint(),
                        "isPrivate" to k.isPrivate(), "verificationAlgorithm" to k.verificationAlgorithm())
                }
            } catch (e: SetpollException.Key) {
                err("code" to e.code)
            }
        }
    }

    @Test
    fun jwks() {
        check("jwks") { c ->
            try {
                JwkSet.fromJson(c.getString("jwksJson")).use { s ->
                    ok("jwksJson" to s.toJson(), "publicJwksJson" to s.toPublicJson(),
                        "kids" to JSONArray(s.kids().map { it ?: JSONObject.NULL }),
                        "skipped" to JSONArray(s.skipped().map { obj("index" to it.index.toLong(), "kid" to it.kid, "code" to it.code) }))
                }
            } catch (e: SetpollException.Key) {
                err("code" to e.code)
            }
        }
    }

    private fun policyOf(p: JSONObject) = VerifyPolicy(
        issuer = p.optStr("issuer"),
        audience = p.optStr("audience"),
        algorithms = p.getJSONArray("algorithms").let { a -> (0 until a.length()).map { a.getString(it) } },
        maxSkewSecs = p.getLong("maxSkewSecs"),
        maxTokenBytes = p.getInt("maxTokenBytes"),
        maxAgeSecs = if (p.isNull("maxAgeSecs")) null else p.getLong("maxAgeSecs"),
        // `typ` absent: the default TypPolicy, which null asks for.
        acceptJwtTyp = p.optJSONObject("typ")?.getBoolean("acceptJwt"),
        requireTyp = p.optJSONObject("typ")?.getBoolean("requireTyp"),
    )

    @Test
    fun verifyOnBothBackends() {
        for (backend in CryptoBackend.entries) {
            check("verify") { c ->
                val ring = Keyring.fromJwks(c.getString("jwksJson"), backend)
                try {
                    val v = verifySet(c.getString("token"), ring, policyOf(c.getJSONObject("policy")), c.getLong("now"))
                    ok("claimsJson" to v.claims.toJson(), "alg" to v.alg, "kid" to v.kid)
                } catch (e: SetpollException.Verify) {
                    err("code" to e.code, "setErrObie" to e.setErr, "setErrRfc8935" to e.setErrRfc8935, "description" to e.detailForSetErrs())
                }
            }
        }
    }

    @Test
    fun signOnBothBackends() {
        val dec = Base64.getUrlDecoder()
        for (backend in CryptoBackend.entries) {
            check("sign") { c ->
                val token = try {
                    val key = SigningKey.fromJwk(c.getString("privateJwkJson"), backend)
                    val claims = SetClaims.fromJson(c.getString("claimsJson"))
                    val p = c.optJSONObject("profile")
                    val profile = if (p == null || p.getString("kind") == "rfc8417") HeaderProfile.Rfc8417
                    else HeaderProfile.Obie(p.getString("orgId"), p.getString("trustAnchor"))
                    signSet(claims, key, c.getLong("now"), profile)
                } catch (e: SetpollException) {
                    return@check err("code" to e.codeOf())
                }
                val expect = c.getJSONObject("expect").getJSONObject("ok")
                val (h, p, _) = token.split(".")
                val same = if (backend == CryptoBackend.PORTABLE) token == expect.getString("token")
                else verifies(c, token) && verifies(c, expect.getString("token"))
                // Report the whole expected object only when the token checks out.
                if (!same) return@check ok("token" to token)
                ok("headerJson" to String(dec.decode(h)), "signingInput" to "$h.$p", "token" to expect.getString("token"))
            }
        }
    }

    private fun verifies(c: JSONObject, token: String): Boolean {
        val pub = SigningKey.fromJwk(c.getString("privateJwkJson"), null).toPublicJwk()
        return CryptoBackend.entries.all { b ->
            val ring = Keyring.fromJwks("""{"keys":[$pub]}""", b)
            try {
                verifySet(token, ring, VerifyPolicy(issuer = null, audience = null, algorithms = listOf("PS256", "ES256", "RS256"), maxSkewSecs = Int.MAX_VALUE.toLong()), c.getLong("now")); true
            } catch (e: SetpollException.Verify) {
                false
            }
        }
    }

    /** A transmitter script's `config` as a [TransmitterConfig], every field set. */
    private fun transmitterConfigOf(c: JSONObject) = TransmitterConfig(
        profile = TransmitterProfile.valueOf(c.getString("profile").uppercase()),
        defaultMaxEvents = c.getInt("defaultMaxEvents"),
        maxEventsLimit = c.getInt("maxEventsLimit"),
        visibilityTimeoutMs = c.getLong("visibilityTimeoutMs"),
        maxAttempts = c.getInt("maxAttempts"),
        retentionMs = c.getLong("retentionMs"),
        deadLetterRetentionMs = c.getLong("deadLetterRetentionMs"),
        // null in a script: no long polling, which the binding spells 0.
        longPollMaxWaitMs = if (c.isNull("longPollMaxWaitMs")) 0L else c.getLong("longPollMaxWaitMs"),
        onSetErr = SetErrPolicy.valueOf(c.getString("onSetErr").uppercase()),
        delivery = DeliveryMode.valueOf(c.getString("delivery").uppercase()),
    )

    private fun answerJson(a: PollAnswer): JSONObject {
        val changes = JSONArray(a.changesJson)
        assertEquals(a.changes, changes.length(), "changes count")
        val w = a.wait
        return if (w != null) ok("changes" to changes, "wait" to obj("client" to w.client(), "until" to w.untilMs(), "requestJson" to w.requestJson()))
        else ok("changes" to changes, "responseJson" to a.responseJson)
    }

    /**
     * The two forms of the transmitter behind one interface, so one script
     * runner drives both: MemoryTransmitter, and StorageTransmitter over
     * the toy database of StorageDb (its sweep `limit` is the script's `budget`).
     */
    private interface ScriptedTransmitter {
        fun enqueue(token: String, now: Long): EnqueueResult
        fun poll(client: String, body: String, now: Long): PollAnswer
        fun resume(wait: PollWait, now: Long): PollAnswer
        fun sweep(now: Long, budget: Int): SweepResult
        fun recordsJson(): String
    }

    private class Memory(config: TransmitterConfig) : ScriptedTransmitter {
        val tx = MemoryTransmitter(config)
        override fun enqueue(token: String, now: Long) = tx.enqueue(token, now)
        override fun poll(client: String, body: String, now: Long) = tx.handlePoll(client, body, now, ERROR_ID)
        override fun resume(wait: PollWait, now: Long) = tx.resume(wait, now)
        override fun sweep(now: Long, budget: Int) = tx.sweep(now, budget)
        override fun recordsJson() = tx.recordsJson()
    }

    private class Storage(config: TransmitterConfig) : ScriptedTransmitter {
        val db = StorageDb(StorageTransmitter(config))
        override fun enqueue(token: String, now: Long) = db.enqueue(token, now)
        override fun poll(client: String, body: String, now: Long) = db.poll(client, body, now, ERROR_ID)
        override fun resume(wait: PollWait, now: Long) = db.resume(wait, now)
        override fun sweep(now: Long, budget: Int) = db.sweep(now, budget)
        override fun recordsJson() = db.recordsJson()
    }

    /** One step of a transmitter script, in the shape of its `expect`; `wait` is the last long poll held. */
    private fun transmitterStep(tx: ScriptedTransmitter, step: JSONObject, wait: PollWait?): Pair<JSONObject, PollWait?> {
        var held = wait
        val got = when (val op = step.getString("op")) {
            "enqueue" -> try {
                val r = tx.enqueue(step.getString("token"), step.getLong("now"))
                assertEquals(if (r.queued) r.client else null, r.wake, "wake")
                val o = ok("outcome" to if (r.queued) "queued" else "already_queued", "client" to r.client, "jti" to r.jti, "seq" to r.seq)
                if (!r.queued) o.getJSONObject("ok").put("state", r.state).put("sameToken", r.sameToken)
                o.getJSONObject("ok").put("changes", JSONArray(r.changesJson))
                o
            } catch (e: SetpollException.Transmitter) {
                err("code" to e.code)
            }
            "poll" -> try {
                val a = tx.poll(step.getString("client"), step.getString("body"), step.getLong("now"))
                held = a.wait
                answerJson(a)
            } catch (e: SetpollException.Request) {
                err("code" to e.code, "errorCode" to e.obieCode, "path" to e.path, "errorResponseJson" to e.errorResponse)
            }
            "resume" -> {
                val a = tx.resume(held ?: error("resume without a wait"), step.getLong("now"))
                held = a.wait
                answerJson(a)
            }
            "sweep" -> tx.sweep(step.getLong("now"), step.getInt("budget")).let { ok("changes" to JSONArray(it.changesJson), "more" to it.more) }
            "records" -> ok("records" to JSONArray(tx.recordsJson()))
            else -> error("unknown op $op")
        }
        return got to held
    }

    @Test
    fun transmitterScripts() = runTransmitterScripts { Memory(it) }

    @Test
    fun transmitterScriptsThroughStorage() = runTransmitterScripts { Storage(it) }

    private fun runTransmitterScripts(make: (TransmitterConfig) -> ScriptedTransmitter) {
        val cases = byKind["transmitter"].orEmpty()
        assertTrue(cases.size >= 10, "transmitter vectors")
        val failures = mutableListOf<String>()
        var steps = 0
        for (c in cases) {
            val tx = make(transmitterConfigOf(c.getJSONObject("config")))
            var wait: PollWait? = null
            val script = c.getJSONArray("steps")
            for (i in 0 until script.length()) {
                val step = script.getJSONObject(i)
                val (got, held) = transmitterStep(tx, step, wait)
                wait = held
                steps++
                if (!got.similar(step.getJSONObject("expect"))) failures += "${c.getString("name")} step $i (${step.getString("op")}): got $got, want ${step.getJSONObject("expect")}"
            }
        }
        assertEquals(emptyList(), failures)
        assertTrue(steps > 50, "only $steps steps")
    }

    /** A script's `config` as a [ReceiverConfig] (seeded jitter; the scripts use none). */
    private fun receiverConfigOf(c: JSONObject, jwks: String? = null): ReceiverConfig {
        val b = c.getJSONObject("backoff")
        val d = c.getJSONObject("dedup")
        return ReceiverConfig(
            issuer = c.getString("issuer"),
            clientId = c.getString("clientId"),
            jwksJson = jwks ?: c.getString("jwksJson"),
            maxSkewSecs = c.getLong("maxSkewSecs"),
            maxEvents = c.optInt32("maxEvents"),
            returnImmediately = if (c.isNull("returnImmediately")) null else c.getBoolean("returnImmediately"),
            pollIntervalMs = c.getLong("pollIntervalMs"),
            backoffBaseMs = b.getLong("baseMs"),
            backoffCapMs = b.getLong("capMs"),
            backoffJitter = BackoffJitter.valueOf(b.getString("jitter").uppercase()),
            retryAfterCapMs = b.getLong("retryAfterCapMs"),
            dedupWindowMs = d.getLong("windowMs"),
            dedupCapacity = d.getInt("capacity"),
            maxUnsettled = c.getInt("maxUnsettled"),
            keyRefreshIntervalMs = c.getLong("keyRefreshIntervalMs"),
            vocabulary = SetErrVocabulary.valueOf(c.getString("vocabulary").uppercase()),
            jitterSeed = ByteArray(32),
        )
    }

    private fun staleJson(k: StaleKeys?): Any =
        k?.let { obj("kids" to JSONArray(it.kids), "held" to it.held.toLong(), "refreshAt" to it.refreshAtMs) } ?: JSONObject.NULL

    private fun failedJson(f: PollFailure) = ok("failed" to obj(
        "code" to f.code, "status" to f.status?.toLong(), "retryAt" to f.retryAtMs,
        "failuresInARow" to f.failuresInARow.toLong(), "longPollRefused" to f.longPollRefused,
    ))

    private fun settledJson(b: ReceiverBatch) = obj(
        "deliveries" to JSONArray(b.deliveries.map { obj("jti" to it.jti, "claimsJson" to it.claimsJson) }),
        "rejections" to JSONArray(b.rejections.map {
            obj("jti" to it.jti, "code" to it.code, "reported" to it.reportedErr?.let { e -> obj("err" to e, "description" to it.reportedDescription) })
        }),
        "duplicates" to JSONArray(b.duplicates.map { obj("jti" to it.jti, "of" to it.of.name.lowercase()) }),
    )

    private fun batchJson(b: ReceiverBatch): JSONObject {
        b.failure?.let { return failedJson(it) }
        val batch = settledJson(b)
            .put("moreAvailable", b.moreAvailable)
            .put("acksConfirmed", b.acksConfirmed.toLong())
            .put("setErrsConfirmed", b.setErrsConfirmed.toLong())
            .put("salvaged", b.salvaged ?: JSONObject.NULL)
            .put("held", JSONArray(b.held))
            .put("keysStale", staleJson(b.keysStale))
        return ok("batch" to batch)
    }

    /**
     * A receiver and what its host persisted (the state right after
     * construction and every change taken), driven through the verbs as
     * tests/src/script/receiver.rs does. The host API names them
     * `nextRequest`, `handleResponse` (a failure is the batch's `failure`)
     * and `handleFailure`.
     */
    private inner class Host(val config: JSONObject) {
        var rx = Receiver(receiverConfigOf(config))
        val saved = rx.state()
        val journal = mutableListOf<String>()
        var lastId: Long? = null

        /** The changes as the one JSON array text `takeChanges` returns, never re-serialised. */
        fun take(): Any = rx.takeChanges()?.also { journal += it.substring(1, it.length - 1) } ?: JSONObject.NULL

        fun step(step: JSONObject): JSONObject {
            val id by lazy { if (step.has("id")) step.getLong("id") else lastId ?: error("no request made yet") }
            return try {
                when (val op = step.getString("op")) {
                    "pollRequest" -> rx.nextRequest(step.getLong("now"))?.let { r ->
                        lastId = r.id
                        ok("id" to r.id, "kind" to r.kind.name.lowercase(), "body" to r.body)
                    } ?: JSONObject().put("ok", JSONObject.NULL)
                    "pollTimeout" -> ok("at" to rx.pollTimeout())
                    "handleReply" -> batchJson(rx.handleResponse(id, step.getInt("status"), step.getString("body"), step.getLong("now"), step.optStr("retryAfter")))
                    "handleNoReply" -> failedJson(rx.handleFailure(id, step.getLong("now")))
                    "ack" -> rx.ack(step.getString("jti")).let { ok() }
                    "reject" -> rx.reject(step.getString("jti"), step.getString("err"), step.getString("description")).let { ok() }
                    "keysStale" -> JSONObject().put("ok", staleJson(rx.keysStale()))
                    "refreshKeys" -> JSONObject().put("ok", settledJson(rx.refreshKeys(step.getString("jwksJson"), step.getLong("now"))))
                    "refreshKeysFailed" -> rx.refreshKeysFailed(step.getLong("now")).let { ok() }
                    "takeChanges" -> ok("changes" to take())
                    "restart" -> {
                        val state = applyReceiverChanges(saved, journal.joinToString(",", "[", "]"))
                        rx = Receiver.restore(receiverConfigOf(config, step.getString("jwksJson")), state)
                        ok("unsettled" to JSONArray(rx.unsettled().map { it.jti }), "changes" to take())
                    }
                    else -> error("unknown op $op")
                }
            } catch (e: SetpollException.Receiver) {
                err("code" to e.code)
            }
        }
    }

    /** `changes` lists in an `expect` as the one array text `takeChanges` returns (null: nothing changed). */
    private fun asText(expect: JSONObject): JSONObject {
        val ok = expect.optJSONObject("ok") ?: return expect
        val changes = ok.optJSONArray("changes") ?: return expect
        val list = (0 until changes.length()).map { changes.getString(it) }
        return JSONObject(ok.toString()).put("changes", if (list.isEmpty()) JSONObject.NULL else list.joinToString(",", "[", "]"))
            .let { JSONObject().put("ok", it) }
    }

    @Test
    fun receiverScripts() {
        val cases = byKind["receiver"].orEmpty()
        assertTrue(cases.size >= 15, "receiver vectors")
        val failures = mutableListOf<String>()
        var steps = 0
        for (c in cases) {
            val host = Host(c.getJSONObject("config"))
            val script = c.getJSONArray("steps")
            for (i in 0 until script.length()) {
                val step = script.getJSONObject(i)
                val got = host.step(step)
                steps++
                val want = asText(step.getJSONObject("expect"))
                if (!got.similar(want)) {
                    failures += "${c.getString("name")} step $i (${step.getString("op")}): got $got, want $want"
                    break
                }
            }
        }
        assertEquals(emptyList(), failures)
        assertTrue(steps > 150, "only $steps steps")
    }

    /** `{ok: …}` of valid claims: the canonical JSON and the typed getters. */
    private fun typed(c: SetClaims) = ok(
        "claimsJson" to c.toJson(), "exp" to c.exp(), "nbf" to c.nbf(),
        "subIdJson" to c.subIdJson(), "otherClaimsJson" to c.otherClaimsJson(),
    )

    private fun subjectOf(s: JSONObject?): EventSubject? = s?.let {
        val links = it.getJSONArray("links")
        EventSubject(it.getString("rid"), it.getString("rty"),
            (0 until links.length()).map { i -> links.getJSONObject(i).let { l -> Link(l.getString("version"), l.getString("link")) } })
    }

    @Test
    fun claimsBuild() {
        check("claims_build") { c ->
            val st = c.getJSONObject("start")
            val b = ClaimsBuilder(st.getString("iss"), st.getString("jti"), st.getString("aud"), st.getLong("iat"))
            val calls = c.getJSONArray("calls")
            for (i in 0 until calls.length()) {
                val k = calls.getJSONObject(i)
                val reason = if (k.has("reason")) k.getString("reason") else null
                when (val call = k.getString("call")) {
                    "audience" -> b.audience(k.getString("value"))
                    "sub" -> b.sub(k.getString("value"))
                    "txn" -> b.txn(k.getString("value"))
                    "toe" -> b.toe(k.getLong("value"))
                    "exp" -> b.exp(k.getLong("value"))
                    "nbf" -> b.nbf(k.getLong("value"))
                    "subIdJson" -> b.subIdJson(k.getString("value"))
                    "claim" -> b.claim(k.getString("name"), k.getString("valueJson"))
                    "resourceUpdate" -> b.resourceUpdate(subjectOf(k.getJSONObject("subject"))!!)
                    "consentRevoked" -> b.consentRevoked(reason, subjectOf(k.optJSONObject("subject")))
                    "linkedAccountUpdate" -> b.linkedAccountUpdate(reason, subjectOf(k.optJSONObject("subject")))
                    "customEvent" -> b.customEvent(k.getString("uri"), k.getString("payloadJson"))
                    else -> error("unknown call $call")
                }
            }
            try {
                typed(b.build())
            } catch (e: SetpollException.Claims) {
                err("code" to e.code)
            }
        }
    }
}

/** The `Id` of every 400 body in the vectors. */
private const val ERROR_ID = "93bac548-d2de-4546-b106-880a5018460d"

/** The description a recipient puts in `setErrs` (the core's `description()`). */
private fun SetpollException.Verify.detailForSetErrs(): String = this.description
