package dev.setpoll

import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

const val ISS = "https://aspsp.example/iss"
const val AUD = "client-123"
const val NOW_MS = 1_700_000_000_000L
val SEED = ByteArray(32) { it.toByte() }

object Keys {
    val es: SigningKey by lazy { SigningKey.generateEs256(SEED, "es-1") }
    val ps: SigningKey by lazy { SigningKey.generatePs256(SEED, 2048, "ps-1") }
    val ring: Keyring by lazy { Keyring.fromJwks(jwksFromKeys(listOf(es, ps)), null) }
}

fun makeClaims(jti: String = "jti-1"): SetClaims =
    ClaimsBuilder(ISS, jti, AUD, NOW_MS / 1000)
        .sub("https://aspsp.example/pmt-1")
        .txn("txn-1")
        .toe(NOW_MS / 1000)
        .resourceUpdate(EventSubject("pmt-1", "domestic-payment", listOf(Link("v3.1.10", "https://aspsp.example/pmt-1"))))
        .build()

class WireTest {
    @Test
    fun requestRoundTripsCanonically() {
        val body = """{"ack":["a","b","a"],"maxEvents":5,"setErrs":{"c":{"err":"jwtIss","description":"bad iss"}}}"""
        val req = parseRequest(body)
        assertEquals(5, req.maxEvents)
        assertEquals(listOf("a", "b"), req.ack)
        assertEquals(listOf(SetErrEntry("c", "jwtIss", "bad iss")), req.setErrs)
        assertEquals(req, parseRequest(requestToJson(req)))
        val built = PollRequest(maxEvents = 5, ack = listOf("a", "b"), setErrs = listOf(SetErrEntry("c", "jwtIss", "bad iss")))
        assertEquals(requestToJson(req), requestToJson(built))
    }

    @Test
    fun requestErrorsCarryThe400Body() {
        val e = assertFailsWith<SetpollException.Request> { parseRequest("""{"maxEvents": "5"}""", interactionId = "fapi-1") }
        assertEquals("wrong_type", e.code)
        assertEquals("maxEvents", e.path)
        assertEquals("UK.OBIE.Field.Invalid", e.obieCode)
        assertTrue(e.errorResponse.contains("\"Id\":\"fapi-1\""))
        assertEquals(e.errorResponse, parseErrorResponse(e.errorResponse))
    }

    @Test
    fun badRequestsAreTypedErrors() {
        val cases = mapOf(
            "" to "empty_body",
            "[1]" to "not_an_object",
            """{"ack":[1]}""" to "wrong_type",
            """{"maxEvents":1.5}""" to "not_an_integer",
            """{"maxEvents":-1}""" to "out_of_range",
            """{"foo":1}""" to "unknown_member",
            "{".repeat(10_000) to "malformed_json",
            """{"ack":["${"x".repeat(2_000_000)}"]}""" to "body_too_large",
        )
        for ((body, code) in cases) {
            val e = assertFailsWith<SetpollException.Request> { parseRequest(body) }
            assertEquals(code, e.code, body.take(40))
        }
        assertEquals(emptyList(), parseRequest("""{"foo":1}""", rejectUnknownMembers = false).ack)
    }

    @Test
    fun obieRulesComeFromTheCore() {
        assertEquals(201, obieSuccessStatus(ObieVersion.V3_1_2))
        assertEquals(200, obieSuccessStatus(ObieVersion.V3_1_11))
        assertEquals(200, obieSuccessStatus(ObieVersion.V4_0))
        assertEquals("""{"sets":{},"moreAvailable":false}""", emptyPollResponse())
        assertEquals(PollResponse(emptyList(), false), parseResponse(emptyPollResponse()))
        val e = assertFailsWith<SetpollException.Request> { parseRequest("""{"foo":1}""", interactionId = "i-4") }
        // Before v4.0 the body is unchanged; v4.0 uses the four-character OBExternalStatusReason1Codes.
        assertEquals(e.errorResponse, obieErrorResponse(ObieVersion.V3_1_11, e.errorResponse))
        val v4 = org.json.JSONObject(obieErrorResponse(ObieVersion.V4_0, e.errorResponse))
        assertEquals("i-4", v4.getString("Id"))
        val code = v4.getJSONArray("Errors").getJSONObject(0).getString("ErrorCode")
        assertEquals(4, code.length, code)
        assertFailsWith<SetpollException.Response> { obieErrorResponse(ObieVersion.V4_0, "{") }
    }

    @Test
    fun responseRoundTrip() {
        val resp = PollResponse(listOf(SetEntry("j1", "a.b.c"), SetEntry("j2", "d.e.f")), true)
        assertEquals(resp, parseResponse(responseToJson(resp)))
        val e = assertFailsWith<SetpollException.Response> { parseResponse("""{"sets": []}""") }
        assertEquals("sets", e.path)
    }
}

class ClaimsAndKeysTest {
    @Test
    fun claimsBuilderAndJson() {
        val c = makeClaims()
        assertEquals(ISS, c.iss())
        assertEquals(listOf(AUD), c.aud())
        assertEquals(listOf("urn:uk:org:openbanking:events:resource-update"), c.eventTypes())
        c.checkObieProfile()
        val again = SetClaims.fromJson(c.toJson())
        assertEquals(c, again)
        assertEquals(c.toJson(), again.toJson())
    }

    @Test
    fun claimsErrorsCarrySetErrs() {
        val e = assertFailsWith<SetpollException.Claims> {
            SetClaims.fromJson("""{"iss":"x","iat":"1","jti":"j","aud":"a","events":{}}""")
        }
        assertEquals("wrong_type", e.code)
        assertEquals("iat", e.path)
        assertEquals("setParse", e.setErr)
        assertEquals("invalid_request", e.setErrRfc8935)
        val b = ClaimsBuilder(ISS, "j", AUD, 1).customEvent("https://x.example/e", "{}")
        b.build()
        assertEquals("builder_used", assertFailsWith<SetpollException.Argument> { b.build() }.code)
        assertFailsWith<SetpollException.Argument> { ClaimsBuilder(ISS, "j", AUD, 1).customEvent("https://x.example/e", "[1") }
    }

    @Test
    fun keysImportExport() {
        assertEquals("ES256", Keys.es.algorithm())
        assertEquals("PS256", Keys.ps.algorithm())
        assertEquals(Keys.es.toPublicJwk(), SigningKey.generateEs256(SEED, "es-1").toPublicJwk())
        val again = SigningKey.fromJwk(Keys.es.toPrivateJwk(), null)
        assertEquals(Keys.es.toPublicJwk(), again.toPublicJwk())
        assertTrue(Keys.es.toPkcs8Pem().startsWith("-----BEGIN PRIVATE KEY-----"))
        assertFalse(Keys.es.toPublicJwk().contains("\"d\""))
        assertEquals(43, jwkThumbprint(Keys.es.toPublicJwk()).length)
        assertEquals(setOf("es-1", "ps-1"), Keys.ring.kids().toSet())
        val odd = Keyring.fromJwks("""{"keys":[{"kty":"oct","k":"AAAA","kid":"h"}]}""", null)
        assertEquals(emptyList(), odd.kids())
        assertEquals("h", odd.skipped().single().kid)
    }

    @Test
    fun malformedKeysThrowKey() {
        for (jwk in listOf("", "{}", "[]", """{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}""", "x".repeat(100_000))) {
            assertFailsWith<SetpollException.Key> { SigningKey.fromJwk(jwk, null) }
        }
        assertEquals("bad_seed", assertFailsWith<SetpollException.Argument> { SigningKey.generateEs256(ByteArray(3), null) }.code)
        for (bits in listOf(-1, 0, 1024, 2047, 4097, 8192, Int.MAX_VALUE)) {
            assertEquals("bad_key_size", assertFailsWith<SetpollException.Argument> { SigningKey.generatePs256(ByteArray(32), bits, null) }.code)
        }
    }
}

class SignVerifyTest {
    private val policy = VerifyPolicy(issuer = ISS, audience = AUD)

    @Test
    fun signThenVerifyBothProfilesAndAlgorithms() {
        val profiles = listOf(HeaderProfile.Rfc8417, HeaderProfile.Obie("0015800001041RHAAY", "openbanking.org.uk"))
        for (profile in profiles) for (key in listOf(Keys.es, Keys.ps)) {
            val token = signSet(makeClaims(), key, NOW_MS, profile)
            val v = verifySet(token, Keys.ring, policy, NOW_MS)
            assertEquals(key.kid(), v.kid)
            assertEquals(key.algorithm(), v.alg)
            assertEquals(makeClaims(), v.claims)
            assertEquals("jti-1", peekEnvelope(token).jti)
        }
    }

    @Test
    fun verifyFailuresMapToSetErrs() {
        val token = signSet(makeClaims(), Keys.es, NOW_MS, HeaderProfile.Rfc8417)
        val iss = assertFailsWith<SetpollException.Verify> { verifySet(token, Keys.ring, VerifyPolicy(issuer = "https://other", audience = AUD), NOW_MS) }
        assertEquals("jwtIss", iss.setErr)
        val aud = assertFailsWith<SetpollException.Verify> { verifySet(token, Keys.ring, VerifyPolicy(issuer = ISS, audience = "x"), NOW_MS) }
        assertEquals("jwtAud", aud.setErr)
        val (h, p, s) = token.split(".")
        val tampered = "$h.$p.${s.dropLast(4)}AAAA"
        val sig = assertFailsWith<SetpollException.Verify> { verifySet(tampered, Keys.ring, policy, NOW_MS) }
        assertTrue(sig.setErr in setOf("jws", "jwtCrypto"))
        for (junk in listOf("", "a.b.c", "x".repeat(200_000), "$token.")) {
            assertFailsWith<SetpollException.Verify> { verifySet(junk, Keys.ring, policy, NOW_MS) }
        }
        assertFailsWith<SetpollException.Argument> { verifySet(token, Keys.ring, VerifyPolicy(ISS, AUD, algorithms = listOf("HS256")), NOW_MS) }
        assertFailsWith<SetpollException.Argument> { verifySet(token, Keys.ring, policy, -1) }
        assertFailsWith<SetpollException.Argument> { signSet(makeClaims(), Keys.es, NOW_MS, HeaderProfile.Obie("", "")) }
    }
}

class TransmitterTest {
    @Test
    fun pollCycleWithReceiverChecks() {
        val tx = MemoryTransmitter(TransmitterConfig())
        val tokens = (0 until 3).map { signSet(makeClaims("j$it"), Keys.es, NOW_MS, HeaderProfile.Rfc8417) }
        assertEquals(listOf(AUD, AUD, AUD), tokens.map { tx.enqueue(it, NOW_MS).wake })
        val again = tx.enqueue(tokens[0], NOW_MS)
        assertNull(again.wake)
        assertFalse(again.queued)
        assertEquals("pending", again.state)
        assertEquals(true, again.sameToken)
        assertEquals("[]", again.changesJson)
        assertEquals(3L, tx.size())

        val policy = VerifyPolicy(issuer = ISS, audience = AUD)
        val first = parseResponse(tx.handlePoll(AUD, requestToJson(PollRequest(maxEvents = 2)), NOW_MS + 1, "").responseJson!!)
        assertEquals(listOf("j0", "j1"), first.sets.map { it.jti })
        assertTrue(first.moreAvailable)
        val acks = first.sets.map { verifySet(it.token, Keys.ring, policy, NOW_MS).claims.jti() }

        val second = parseResponse(tx.handlePoll(AUD, requestToJson(PollRequest(ack = acks)), NOW_MS + 2, "").responseJson!!)
        assertEquals(listOf("j2"), second.sets.map { it.jti })
        assertFalse(second.moreAvailable)
        val third = tx.handlePoll(AUD, requestToJson(PollRequest(maxEvents = 0, setErrs = listOf(SetErrEntry("j2", "jwtIss", "no")))), NOW_MS + 3, "")
        assertEquals(emptyList(), parseResponse(third.responseJson!!).sets)
        assertFalse(tx.sweep(NOW_MS + 4, 1000).more)
        assertTrue(third.changesJson.contains("j2"), third.changesJson)
        assertTrue(tx.recordsJson().contains("\"dead_letter\""), tx.recordsJson())
    }

    @Test
    fun badInputAndLongPoll() {
        val tx = MemoryTransmitter(TransmitterConfig(profile = TransmitterProfile.RFC8936, longPollMaxWaitMs = 30_000L))
        val e = assertFailsWith<SetpollException.Request> { MemoryTransmitter(TransmitterConfig()).handlePoll(AUD, """{"bogus":true}""", NOW_MS, "i-1") }
        assertTrue(e.errorResponse.contains("\"Id\":\"i-1\""))
        assertEquals("malformed_token", assertFailsWith<SetpollException.Transmitter> { tx.enqueue("not-a-token", NOW_MS) }.code)
        assertFailsWith<SetpollException.Transmitter> { MemoryTransmitter(TransmitterConfig(maxEventsLimit = 0)) }

        val ans = tx.handlePoll(AUD, """{"returnImmediately":false}""", NOW_MS, "")
        assertNull(ans.responseJson)
        val wait = assertNotNull(ans.wait)
        assertEquals(AUD, wait.client())
        assertTrue(wait.untilMs() in (NOW_MS + 1)..(NOW_MS + 30_000))
        assertEquals(AUD, tx.enqueue(signSet(makeClaims("late"), Keys.es, NOW_MS, HeaderProfile.Rfc8417), NOW_MS + 10).wake)
        val resumed = tx.resume(wait, NOW_MS + 11)
        assertContentEquals(listOf("late"), parseResponse(resumed.responseJson!!).sets.map { it.jti })
    }
}
