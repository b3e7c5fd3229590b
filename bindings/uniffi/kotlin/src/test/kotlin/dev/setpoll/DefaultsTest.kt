package dev.setpoll

import java.io.File
import org.json.JSONArray
import org.json.JSONObject
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/**
 * Every default the binding applies when an option is absent is the core's:
 * tests/vectors/defaults.json is written by the vector generator from the
 * core's own `Default`s, and this test fails when a binding default differs.
 */
class DefaultsTest {
    private val cases: Map<String, JSONObject> by lazy {
        val doc = JSONObject(File(System.getProperty("setpoll.vectors"), "defaults.json").readText())
        assertEquals("defaults", doc.getString("kind"))
        val a = doc.getJSONArray("cases")
        (0 until a.length()).map { a.getJSONObject(it) }.associateBy { it.getString("name") }
    }

    private fun expected(name: String): JSONObject = cases.getValue(name).getJSONObject("expect").getJSONObject("ok")

    private fun assertSame(want: JSONObject, got: JSONObject) =
        assertTrue(want.similar(got), "binding defaults differ from the core's:\n want $want\n got  $got")

    private fun snake(e: Enum<*>) = e.name.lowercase()

    private fun TransmitterConfig.json() = JSONObject()
        .put("profile", snake(profile!!))
        .put("defaultMaxEvents", defaultMaxEvents)
        .put("maxEventsLimit", maxEventsLimit)
        .put("visibilityTimeoutMs", visibilityTimeoutMs)
        .put("maxAttempts", maxAttempts)
        .put("retentionMs", retentionMs)
        .put("deadLetterRetentionMs", deadLetterRetentionMs)
        .put("longPollMaxWaitMs", longPollMaxWaitMs)
        .put("onSetErr", snake(onSetErr!!))
        .put("delivery", snake(delivery!!))

    @Test
    fun transmitterDefaultsAreTheCores() {
        val want = expected("transmitter")
        assertSame(want, transmitterDefaults().json())
        // An empty configuration means exactly those defaults.
        assertSame(want, StorageTransmitter(TransmitterConfig()).config().json())
        assertEquals(TransmitterConfig(), TransmitterConfig(null, null, null, null, null, null, null, null, null, null))
    }

    @Test
    fun receiverDefaultsAreTheCores() {
        val case = cases.getValue("receiver")
        val c = Receiver(ReceiverConfig(case.getString("issuer"), case.getString("clientId"), case.getString("jwksJson"))).config()
        val got = JSONObject()
            .put("maxSkewSecs", c.maxSkewSecs)
            .put("maxEvents", c.maxEvents ?: JSONObject.NULL)
            .put("returnImmediately", c.returnImmediately ?: JSONObject.NULL)
            .put("pollIntervalMs", c.pollIntervalMs)
            .put("backoffBaseMs", c.backoffBaseMs)
            .put("backoffCapMs", c.backoffCapMs)
            .put("backoffJitter", snake(c.backoffJitter!!))
            .put("retryAfterCapMs", c.retryAfterCapMs)
            .put("dedupWindowMs", c.dedupWindowMs)
            .put("dedupCapacity", c.dedupCapacity)
            .put("maxUnsettled", c.maxUnsettled)
            .put("keyRefreshIntervalMs", c.keyRefreshIntervalMs)
            .put("vocabulary", snake(c.vocabulary!!))
        assertSame(expected("receiver"), got)
        assertEquals(case.getString("issuer"), c.issuer)
        assertEquals(case.getString("jwksJson"), c.jwksJson)
    }

    /** A VerifyPolicy reports nothing back, so its defaults are checked by what it accepts. */
    @Test
    fun verifyPolicyDefaultsAreTheCores() {
        val want = expected("verify_policy")
        val policy = VerifyPolicy(issuer = ISS, audience = AUD)
        val ring = Keyring.fromJwks(jwksFromKeys(listOf(Keys.es, Keys.ps)), null)
        // maxSkewSecs: an iat that far in the future passes, one second more fails.
        val skew = want.getLong("maxSkewSecs")
        val now = NOW_MS
        fun tokenAt(iatSecs: Long, key: SigningKey = Keys.es) =
            signSet(ClaimsBuilder(ISS, "d-$iatSecs", AUD, iatSecs).customEvent("https://x.example/e", "{}").build(), key, now, HeaderProfile.Rfc8417)
        verifySet(tokenAt(now / 1000 + skew), ring, policy, now)
        assertEquals("iat_in_future", assertFailsWith<SetpollException.Verify> { verifySet(tokenAt(now / 1000 + skew + 1), ring, policy, now) }.code)
        // maxAgeSecs null: any age.
        assertTrue(want.isNull("maxAgeSecs"))
        verifySet(tokenAt(1), ring, policy, now)
        // maxTokenBytes: one byte more is refused for its size, before anything else.
        val max = want.getInt("maxTokenBytes")
        assertEquals("token_too_large", assertFailsWith<SetpollException.Verify> { verifySet("a".repeat(max + 1), ring, policy, now) }.code)
        assertTrue(assertFailsWith<SetpollException.Verify> { verifySet("a".repeat(max), ring, policy, now) }.code != "token_too_large")
        // algorithms: exactly those listed verify by default.
        val algs = want.getJSONArray("algorithms").let { a -> (0 until a.length()).map { a.getString(it) } }.toSet()
        val rs = SigningKey.fromJwk(JSONObject(Keys.ps.toPrivateJwk()).put("alg", "RS256").put("kid", "rs-1").toString(), null)
        val all = Keyring.fromJwks(jwksFromKeys(listOf(Keys.es, Keys.ps, rs)), null)
        for (key in listOf(Keys.es, Keys.ps, rs)) {
            val accepted = try {
                verifySet(tokenAt(now / 1000, key), all, policy, now); true
            } catch (e: SetpollException.Verify) {
                false
            }
            assertEquals(key.algorithm() in algs, accepted, key.algorithm())
        }
        assertEquals(setOf("ES256", "PS256", "RS256"), listOf(Keys.es, Keys.ps, rs).map { it.algorithm() }.toSet())
        // The typ policy: both off (the verify vectors without `typ` run on this default).
        assertEquals(false, want.getBoolean("acceptJwtTyp"))
        assertEquals(false, want.getBoolean("requireTyp"))
    }

    @Test
    fun parseLimitsAreTheCores() {
        val want = expected("limits")
        val req = want.getJSONObject("request")
        val n = req.getInt("maxBodyBytes")
        parseRequest("{}" + " ".repeat(n - 2))
        assertEquals("body_too_large", assertFailsWith<SetpollException.Request> { parseRequest("{}" + " ".repeat(n - 1)) }.code)
        val acks = req.getInt("maxAck")
        parseRequest(JSONObject().put("ack", JSONArray((0 until acks).map { "j$it" })).toString())
        assertEquals("too_many_items", assertFailsWith<SetpollException.Request> { parseRequest(JSONObject().put("ack", JSONArray((0..acks).map { "j$it" })).toString()) }.code)
        val res = want.getJSONObject("response")
        val r = res.getInt("maxBodyBytes")
        val empty = """{"sets":{},"moreAvailable":false}"""
        parseResponse(empty + " ".repeat(r - empty.length))
        assertEquals("body_too_large", assertFailsWith<SetpollException.Response> { parseResponse(empty + " ".repeat(r - empty.length + 1)) }.code)
        val sets = res.getInt("maxSets")
        fun body(k: Int) = JSONObject().put("sets", JSONObject((0 until k).associate { "j$it" to "a.b.c" })).put("moreAvailable", false).toString()
        assertEquals(sets, parseResponse(body(sets)).sets.size)
        assertEquals("too_many_sets", assertFailsWith<SetpollException.Response> { parseResponse(body(sets + 1)) }.code)
    }
}
