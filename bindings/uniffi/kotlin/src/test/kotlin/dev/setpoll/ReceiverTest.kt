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

/** What a host persists for its receiver: a snapshot and the changes appended since (README). */
interface Journal {
    fun load(): Pair<String, List<String>>?
    fun append(changes: String)
    fun snapshot(state: String)
}

class ReceiverTest {
    private fun config(seed: ByteArray? = SEED) = ReceiverConfig(
        issuer = ISS,
        clientId = AUD,
        jwksJson = jwksFromKeys(listOf(Keys.es, Keys.ps)),
        maxEvents = 2,
        returnImmediately = true,
        pollIntervalMs = 10_000L,
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
            val req = assertNotNull(rx.nextRequest(now))
            assertEquals(req.id, rx.inFlight())
            assertNull(rx.pollTimeout(), "nothing is due while a request is in flight")
            assertNull(rx.nextRequest(now), "nothing is due while a request is in flight")
            val answer = tx.handlePoll(AUD, req.body, now, "")
            val batch = rx.handleResponse(req.id, 200, assertNotNull(answer.responseJson), now, null)
            assertNull(batch.failure)
            assertNotNull(rx.takeChanges(), "a round trip changes the state")
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
        // Nothing pending: the next poll waits for the interval; not yet is null, not an error.
        val at = assertNotNull(rx.pollTimeout())
        assertTrue(at > now, "next poll at $at, now $now")
        assertNull(rx.nextRequest(now))
        assertNull(rx.takeChanges(), "a call that found nothing due changes nothing")
        assertNotNull(rx.nextRequest(at))
    }

    @Test
    fun backpressureIsNullWithNoTimeout() {
        val tx = MemoryTransmitter(TransmitterConfig())
        for (jti in listOf("p1", "p2")) tx.enqueue(token(jti), NOW_MS)
        val rx = Receiver(config().copy(maxUnsettled = 2))
        val req = assertNotNull(rx.nextRequest(NOW_MS))
        val batch = rx.handleResponse(req.id, 200, tx.handlePoll(AUD, req.body, NOW_MS, "").responseJson!!, NOW_MS, null)
        assertEquals(listOf("p1", "p2"), batch.deliveries.map { it.jti })
        // The application holds maxUnsettled SETs: nothing is due until it settles one.
        assertNull(rx.pollTimeout())
        assertNull(rx.nextRequest(NOW_MS + 3_600_000))
        rx.ack("p1")
        assertEquals(ReceiverRequestKind.ACK_ONLY, assertNotNull(rx.nextRequest(NOW_MS + 1)).kind)
    }

    @Test
    fun stateSurvivesARestart() {
        val tx = MemoryTransmitter(TransmitterConfig())
        tx.enqueue(token("x"), NOW_MS)
        val rx = Receiver(config())
        val snapshot = rx.state()
        val req = assertNotNull(rx.nextRequest(NOW_MS))
        val batch = rx.handleResponse(req.id, 200, tx.handlePoll(AUD, req.body, NOW_MS, "").responseJson!!, NOW_MS, null)
        assertEquals(listOf("x"), batch.deliveries.map { it.jti })
        // The host keeps a snapshot and the changes since: replayed, they are the state.
        val saved = applyReceiverChanges(snapshot, assertNotNull(rx.takeChanges()))
        assertEquals(rx.state(), saved)
        val again = Receiver.restore(config(seed = null), saved)
        assertEquals(listOf("x"), again.unsettled().map { it.jti })
        again.ack("x")
        val flush = assertNotNull(again.nextRequest(NOW_MS + 1))
        assertEquals(ReceiverRequestKind.ACK_ONLY, flush.kind)
        assertEquals("""{"maxEvents":0,"returnImmediately":true,"ack":["x"]}""", flush.body)
    }

    @Test
    fun failuresAreOutcomesThatBackOff() {
        val rx = Receiver(config())
        val first = assertNotNull(rx.nextRequest(NOW_MS))
        val f = assertNotNull(rx.handleResponse(first.id, 503, "oops", NOW_MS, null).failure)
        assertEquals("server_error", f.code)
        assertEquals(503, f.status)
        assertEquals(NOW_MS + 1_000, f.retryAtMs)
        assertEquals(NOW_MS + 1_000, rx.pollTimeout())
        assertNull(rx.nextRequest(NOW_MS + 999))
        val second = assertNotNull(rx.nextRequest(NOW_MS + 1_000))
        val transport = rx.handleFailure(second.id, NOW_MS + 1_000)
        assertEquals("no_answer", transport.code)
        assertNull(transport.status)
        assertEquals(NOW_MS + 1_000 + 2_000, transport.retryAtMs)
        val third = assertNotNull(rx.nextRequest(NOW_MS + 3_000))
        val t = assertNotNull(rx.handleResponse(third.id, 429, "", NOW_MS + 3_000, "60").failure)
        assertEquals("throttled", t.code)
        assertEquals(429, t.status)
        assertEquals(NOW_MS + 63_000, rx.pollTimeout())
        assertEquals("unknown_request", assertFailsWith<SetpollException.Receiver> { rx.handleFailure(third.id, NOW_MS) }.code)
        // An OBErrorResponse1 body comes back canonical.
        val fourth = assertNotNull(rx.nextRequest(NOW_MS + 63_000))
        val body = """{"Code":"400","Id":"x","Message":"bad","Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid","Message":"m"}]}"""
        val r = assertNotNull(rx.handleResponse(fourth.id, 400, body, NOW_MS + 63_000, null).failure)
        assertEquals("request_rejected", r.code)
        assertEquals(parseErrorResponse(body), r.errorResponseJson)
    }

    @Test
    fun badInputIsATypedError() {
        // Malformed JWK Sets.
        for (jwks in listOf("", "{", "[]", """{"keys":7}""")) {
            assertFailsWith<SetpollException.Key>(jwks) { Receiver(config().copy(jwksJson = jwks)) }
        }
        // Refused configurations carry the core's code.
        assertEquals("empty_issuer", assertFailsWith<SetpollException.Receiver> { Receiver(config().copy(issuer = "")) }.code)
        assertEquals("max_events_zero", assertFailsWith<SetpollException.Receiver> { Receiver(config().copy(maxEvents = 0)) }.code)
        assertEquals("negative_value", assertFailsWith<SetpollException.Argument> { Receiver(config().copy(maxEvents = -1)) }.code)
        assertEquals("bad_seed", assertFailsWith<SetpollException.Argument> { Receiver(config(seed = ByteArray(5))) }.code)
        // Saved state that is not a state.
        for (state in listOf("", "nonsense", "{}", """{"format":999}""")) {
            assertFailsWith<SetpollException.Receiver>(state) { Receiver.restore(config(), state) }
        }
        // Garbage answers are poll failures; nothing is lost.
        val rx = Receiver(config())
        for (body in listOf("", "not json", "[1,2]", """{"sets":7}""", "\u0000\u00ff")) {
            val now = maxOf(rx.pollTimeout() ?: error("in flight"), NOW_MS)
            val req = assertNotNull(rx.nextRequest(now))
            val f = assertNotNull(rx.handleResponse(req.id, 200, body, now, null).failure, body)
            assertEquals("malformed_response", f.code, body)
        }
        // A garbage token inside a valid answer is rejected and reported, not delivered.
        val now = rx.pollTimeout()!!
        val req = assertNotNull(rx.nextRequest(now))
        val batch = rx.handleResponse(req.id, 200, """{"sets":{"g1":"not.a.token"},"moreAvailable":false}""", now, null)
        assertEquals(emptyList(), batch.deliveries)
        val rej = batch.rejections.single()
        assertEquals("g1", rej.jti)
        assertEquals("jwtParse", rej.reportedErr)
        assertTrue(assertNotNull(rx.nextRequest(now)).body.contains("\"setErrs\":{\"g1\""))
        // Calls that are refused.
        assertEquals("unknown_jti", assertFailsWith<SetpollException.Receiver> { rx.ack("nope") }.code)
        assertEquals("negative_time", assertFailsWith<SetpollException.Argument> { rx.nextRequest(-1) }.code)
        assertEquals("unknown_request", assertFailsWith<SetpollException.Receiver> { rx.handleResponse(999L, 200, "{}", now, null) }.code)
        assertFailsWith<SetpollException.Key> { rx.refreshKeys("{", now) }
    }

    /** The README's loop, bounded by `done`. */
    private fun pollUntil(
        eventsUrl: String,
        config: ReceiverConfig,
        journal: Journal,
        handle: (ReceiverDelivery) -> Unit,
        done: () -> Boolean,
    ) {
        val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
        val saved = journal.load()
        val rx = if (saved == null) Receiver(config) else Receiver.restore(config, saved.second.fold(saved.first, ::applyReceiverChanges))
        if (saved == null) journal.snapshot(rx.state())
        var appended = 0
        fun persist() {
            val changes = rx.takeChanges() ?: return
            if (++appended % 1000 == 0) journal.snapshot(rx.state()) else journal.append(changes)
        }
        for (d in rx.unsettled()) { handle(d); rx.ack(d.jti); persist() }
        while (!done()) {
            val now = System.currentTimeMillis()
            val req = rx.nextRequest(now)
            if (req == null) {
                Thread.sleep(maxOf(1, (rx.pollTimeout() ?: (now + 1_000)) - now)); continue
            }
            val httpRequest = HttpRequest.newBuilder(URI(eventsUrl))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(req.body)).build()
            val res = try {
                http.send(httpRequest, HttpResponse.BodyHandlers.ofByteArray())
            } catch (e: java.io.IOException) {
                rx.handleFailure(req.id, System.currentTimeMillis())
                persist()
                continue
            }
            val batch = rx.handleResponseBytes(req.id, res.statusCode(), res.body(),
                System.currentTimeMillis(), res.headers().firstValue("Retry-After").orElse(null))
            persist()
            for (d in batch.deliveries) {
                handle(d)
                rx.ack(d.jti)
                persist()
            }
        }
    }

    /** The README's storage, in memory. */
    private class MemoryJournal : Journal {
        var snap: String? = null
        val changes = mutableListOf<String>()
        override fun load() = snap?.let { it to changes.toList() }
        override fun append(changes: String) { this.changes += changes }
        override fun snapshot(state: String) { snap = state; changes.clear() }
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
                200 to tx.handlePoll(AUD, body, System.currentTimeMillis(), "").responseJson!!
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
            val journal = MemoryJournal()
            val cfg = config().copy(pollIntervalMs = 20L, backoffBaseMs = 10L, backoffCapMs = 50L)
            val deadline = System.currentTimeMillis() + 20_000
            pollUntil(url, cfg, journal, { handled += it.jti }) {
                (handled.size == 3 && tx.size() == 0L) || System.currentTimeMillis() > deadline
            }
            assertEquals(listOf("h1", "h2", "h3"), handled)
            assertEquals(0L, tx.size(), "every ack reached the transmitter")
            assertTrue(calls.get() >= 3, "the 503 was retried")
            // The journal (snapshot and changes) restarts with nothing to hand over again.
            assertTrue(journal.changes.isNotEmpty())
            val (snap, changes) = assertNotNull(journal.load())
            assertEquals(emptyList(), Receiver.restore(cfg, changes.fold(snap, ::applyReceiverChanges)).unsettled())
        } finally {
            server.stop(0)
        }
    }
}
