package dev.setpoll

import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

class ReceiverTest {
    private fun config(seed: ByteArray? = SEED) = ReceiverConfig(
        issuer = ISS,
        clientId = AUD,
        jwksJson = jwksFromKeys(listOf(Keys.es, Keys.ps)),
        maxEvents = 2u,
        returnImmediately = true,
        pollIntervalMs = 10_000uL,
        backoffJitter = BackoffJitter.NONE,
        jitterSeed = seed,
    )

    private fun token(jti: String) = signSet(makeClaims(jti), Keys.es, NOW_MS, HeaderProfile.Rfc8417)

    @Test
    fun roundTripWithTheTransmitter() {
        val tx = MemoryTransmitter(TransmitterConfig())
        for (jti in listOf("a", "b", "c")) assertEquals(AUD, tx.enqueue(token(jti), NOW_MS).wake)
        val rx = Receiver(config())
        var now = NOW_MS + 1
        val seen = mutableListOf<String>()
        var rounds = 0
        // Poll until the transmitter's queue is empty and every ack went out.
        while (tx.size() > 0L && rounds++ < 10) {
            val req = rx.nextRequest(now)
            val answer = tx.handlePoll(AUD, req.body, now)
            val batch = rx.handleResponse(req.id, 200u, assertNotNull(answer.responseJson), now)
            assertNotNull(rx.takeState(), "a round trip changes the state")
            assertEquals(emptyList(), batch.rejections)
            for (d in batch.deliveries) {
                assertEquals(ISS, d.iss)
                assertTrue(d.claimsJson.contains("\"jti\":\"${d.jti}\""))
                assertEquals(listOf("urn:uk:org:openbanking:events:resource-update"), d.eventTypes)
                seen += d.jti
                rx.ack(d.jti)
            }
            now += 1
        }
        assertEquals(listOf("a", "b", "c"), seen)
        assertEquals(0L, tx.size())
        assertEquals(emptyList(), rx.unsettled())
        // Nothing pending: the next poll waits for the interval.
        val at = assertNotNull(rx.nextPollAt())
        assertTrue(at > now, "next poll at $at, now $now")
        val e = assertFailsWith<SetpollException.Receiver> { rx.nextRequest(now) }
        assertEquals("not_due", e.code)
        assertEquals(at, e.atMs)
        assertFalse(e.pollFailure)
        assertNull(rx.takeState(), "a refused call changes nothing")
    }

    @Test
    fun stateSurvivesARestart() {
        val tx = MemoryTransmitter(TransmitterConfig())
        tx.enqueue(token("x"), NOW_MS)
        val rx = Receiver(config())
        val req = rx.nextRequest(NOW_MS)
        val batch = rx.handleResponse(req.id, 200u, tx.handlePoll(AUD, req.body, NOW_MS).responseJson!!, NOW_MS)
        assertEquals(listOf("x"), batch.deliveries.map { it.jti })
        val saved = assertNotNull(rx.takeState())
        val again = Receiver.restore(config(seed = null), saved)
        assertEquals(listOf("x"), again.unsettled().map { it.jti })
        again.ack("x")
        val flush = again.nextRequest(NOW_MS + 1)
        assertEquals(ReceiverRequestKind.ACK_ONLY, flush.kind)
        assertEquals("""{"maxEvents":0,"returnImmediately":true,"ack":["x"]}""", flush.body)
    }

    @Test
    fun failuresBackOffAndCarryTheStatus() {
        val rx = Receiver(config())
        val first = rx.nextRequest(NOW_MS)
        val e = assertFailsWith<SetpollException.Receiver> { rx.handleResponse(first.id, 503u, "oops", NOW_MS) }
        assertEquals("server_error", e.code)
        assertTrue(e.pollFailure)
        assertEquals(503.toUShort(), e.status)
        assertEquals(NOW_MS + 1_000, rx.nextPollAt())
        val second = rx.nextRequest(NOW_MS + 1_000)
        assertEquals(NOW_MS + 1_000 + 2_000, rx.handleFailure(second.id, NOW_MS + 1_000))
        val third = rx.nextRequest(NOW_MS + 3_000)
        val t = assertFailsWith<SetpollException.Receiver> { rx.handleResponse(third.id, 429u, "", NOW_MS + 3_000, "60") }
        assertEquals("throttled", t.code)
        assertEquals(NOW_MS + 63_000, rx.nextPollAt())
        assertEquals("unknown_request", assertFailsWith<SetpollException.Receiver> { rx.handleFailure(third.id, NOW_MS) }.code)
    }

    @Test
    fun badInputIsATypedError() {
        // Malformed JWK Sets.
        for (jwks in listOf("", "{", "[]", """{"keys":7}""")) {
            assertFailsWith<SetpollException.Key>(jwks) { Receiver(config().copy(jwksJson = jwks)) }
        }
        // Refused configurations carry the core's code.
        assertEquals("empty_issuer", assertFailsWith<SetpollException.Receiver> { Receiver(config().copy(issuer = "")) }.code)
        assertEquals("max_events_zero", assertFailsWith<SetpollException.Receiver> { Receiver(config().copy(maxEvents = 0u)) }.code)
        assertEquals("bad_seed", assertFailsWith<SetpollException.Argument> { Receiver(config(seed = ByteArray(5))) }.code)
        // Saved state that is not a state.
        for (state in listOf("", "nonsense", "{}", """{"format":999}""")) {
            assertFailsWith<SetpollException.Receiver>(state) { Receiver.restore(config(), state) }
        }
        // Garbage answers are poll failures; nothing is lost.
        val rx = Receiver(config())
        for (body in listOf("", "not json", "[1,2]", """{"sets":7}""", "\u0000\u00ff")) {
            val now = rx.nextPollAt() ?: error("in flight")
            val req = rx.nextRequest(maxOf(now, NOW_MS))
            val e = assertFailsWith<SetpollException.Receiver>(body) { rx.handleResponse(req.id, 200u, body, maxOf(now, NOW_MS)) }
            assertEquals("malformed_response", e.code, body)
            assertTrue(e.pollFailure)
        }
        // A garbage token inside a valid answer is rejected and reported, not delivered.
        val now = rx.nextPollAt()!!
        val req = rx.nextRequest(now)
        val batch = rx.handleResponse(req.id, 200u, """{"sets":{"g1":"not.a.token"},"moreAvailable":false}""", now)
        assertEquals(emptyList(), batch.deliveries)
        val rej = batch.rejections.single()
        assertEquals("g1", rej.jti)
        assertEquals("jwtParse", rej.reportedErr)
        assertTrue(rx.nextRequest(now).body.contains("\"setErrs\":{\"g1\""))
        // Calls that are refused.
        assertEquals("unknown_jti", assertFailsWith<SetpollException.Receiver> { rx.ack("nope") }.code)
        assertEquals("negative_time", assertFailsWith<SetpollException.Argument> { rx.nextRequest(-1) }.code)
        assertEquals("unknown_request", assertFailsWith<SetpollException.Receiver> { rx.handleResponse(999uL, 200u, "{}", now) }.code)
        assertFailsWith<SetpollException.Key> { rx.setJwks("{") }
    }

    /** The README's loop, bounded by `done`. */
    private fun pollUntil(
        eventsUrl: String,
        config: ReceiverConfig,
        savedState: String?,
        save: (String) -> Unit,
        handle: (ReceiverDelivery) -> Unit,
        done: () -> Boolean,
    ) {
        val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
        val rx = if (savedState == null) Receiver(config) else Receiver.restore(config, savedState)
        for (d in rx.unsettled()) { handle(d); rx.ack(d.jti) }
        while (!done()) {
            val now = System.currentTimeMillis()
            val req = try {
                rx.nextRequest(now)
            } catch (e: SetpollException.Receiver) {
                if (e.code != "not_due") throw e
                Thread.sleep(maxOf(0, e.atMs!! - now)); continue
            }
            val httpRequest = HttpRequest.newBuilder(URI(eventsUrl))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(req.body)).build()
            try {
                val res = http.send(httpRequest, HttpResponse.BodyHandlers.ofString())
                val batch = rx.handleResponse(req.id, res.statusCode().toUShort(), res.body(),
                    System.currentTimeMillis(), res.headers().firstValue("Retry-After").orElse(null))
                rx.takeState()?.let(save)
                for (d in batch.deliveries) {
                    handle(d)
                    rx.ack(d.jti)
                    rx.takeState()?.let(save)
                }
            } catch (e: java.io.IOException) {
                rx.handleFailure(req.id, System.currentTimeMillis())
                rx.takeState()?.let(save)
            } catch (e: SetpollException.Receiver) {
                if (!e.pollFailure) throw e
                rx.takeState()?.let(save)
            }
        }
    }

    @Test
    fun httpPollingLoop() {
        val tx = MemoryTransmitter(TransmitterConfig())
        for (jti in listOf("h1", "h2", "h3")) tx.enqueue(token(jti), System.currentTimeMillis())
        val calls = AtomicInteger()
        val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        server.createContext("/events") { ex ->
            val body = ex.requestBody.readBytes().decodeToString()
            val (status, answer) = if (calls.getAndIncrement() == 0) {
                ex.responseHeaders.add("Retry-After", "0")
                503 to """{"Code":"500","Message":"warming up","Errors":[]}"""
            } else {
                200 to tx.handlePoll(AUD, body, System.currentTimeMillis()).responseJson!!
            }
            val bytes = answer.encodeToByteArray()
            ex.responseHeaders.add("Content-Type", "application/json")
            ex.sendResponseHeaders(status, bytes.size.toLong())
            ex.responseBody.use { it.write(bytes) }
        }
        server.start()
        try {
            val url = "http://127.0.0.1:${server.address.port}/events"
            val handled = mutableListOf<String>()
            var saved: String? = null
            val cfg = config().copy(pollIntervalMs = 20uL, backoffBaseMs = 10uL, backoffCapMs = 50uL)
            val deadline = System.currentTimeMillis() + 20_000
            pollUntil(url, cfg, null, { saved = it }, { handled += it.jti }) {
                (handled.size == 3 && tx.size() == 0L) || System.currentTimeMillis() > deadline
            }
            assertEquals(listOf("h1", "h2", "h3"), handled)
            assertEquals(0L, tx.size(), "every ack reached the transmitter")
            assertTrue(calls.get() >= 3, "the 503 was retried")
            // The saved state restarts with nothing to hand over again.
            assertEquals(emptyList(), Receiver.restore(cfg, assertNotNull(saved)).unsettled())
        } finally {
            server.stop(0)
        }
    }
}
