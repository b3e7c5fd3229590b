package dev.setpoll

import org.json.JSONArray
import org.json.JSONObject
import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * [StorageTransmitter] (plan, load, decide, commit) over [StorageDb] runs in
 * lockstep with [MemoryTransmitter]: every step gives the same SETs, acks,
 * `moreAvailable`, waits and changes, byte for byte, and the rows the host
 * committed rebuild the same queue.
 */
class StorageTransmitterTest {
    private val config = TransmitterConfig(
        maxAttempts = 2,
        visibilityTimeoutMs = 1_000L,
        retentionMs = 60_000L,
        deadLetterRetentionMs = 120_000L,
    )

    // ES256 signatures are randomised on the native backend: sign each jti once, so both forms get the same bytes.
    private val tokens = mutableMapOf<String, String>()
    private fun token(jti: String) = tokens.getOrPut(jti) { signSet(makeClaims(jti), Keys.es, NOW_MS, HeaderProfile.Rfc8417) }

    private fun jtis(a: PollAnswer): List<String> = parseResponse(assertNotNull(a.responseJson)).sets.map { it.jti }
    private fun more(a: PollAnswer): Boolean = parseResponse(assertNotNull(a.responseJson)).moreAvailable

    /** The same answer from both forms, byte for byte. */
    private fun same(db: PollAnswer, mem: PollAnswer, step: String): PollAnswer {
        assertEquals(mem.responseJson, db.responseJson, step)
        assertEquals(mem.changesJson, db.changesJson, step)
        assertEquals(mem.changes, db.changes, step)
        val (w, v) = db.wait to mem.wait
        assertEquals(v?.let { listOf(it.client(), it.untilMs(), it.requestJson()) }, w?.let { listOf(it.client(), it.untilMs(), it.requestJson()) }, step)
        return db
    }

    /** The committed rows are the memory queue's records, and rebuild the same queue. */
    private fun sameState(db: StorageDb, mem: MemoryTransmitter, cfg: TransmitterConfig = config) {
        assertTrue(JSONArray(db.recordsJson()).similar(JSONArray(mem.recordsJson())), db.recordsJson())
        MemoryTransmitter.fromRecords(cfg, db.recordsJson()).use { rebuilt ->
            assertEquals(mem.recordsJson(), rebuilt.recordsJson())
            assertEquals(mem.size(), rebuilt.size())
        }
    }

    @Test
    fun lockstepWithTheMemoryTransmitter() {
        var mem = MemoryTransmitter(config)
        val db = StorageDb(StorageTransmitter(config))
        val first4 = (0 until 4).map { token("j$it") }
        for (t in first4 + first4[0]) {
            val (a, b) = db.enqueue(t, NOW_MS) to mem.enqueue(t, NOW_MS)
            assertEquals(b, a)
        }
        val dup = db.enqueue(first4[0], NOW_MS)
        assertFalse(dup.queued)
        assertEquals("pending", dup.state)
        assertEquals("[]", dup.changesJson)
        sameState(db, mem)

        fun poll(body: String, at: Long) = same(db.poll(AUD, body, NOW_MS + at, "i-$at"), mem.handlePoll(AUD, body, NOW_MS + at, "i-$at"), body)

        val first = poll("""{"maxEvents":2}""", 1)
        assertEquals(listOf("j0", "j1") to true, jtis(first) to more(first))
        sameState(db, mem)
        // ack j0 (and an unknown jti), report j1: j1 is dead-lettered; j2 is next.
        val second = poll("""{"ack":["j0","unknown"],"setErrs":{"j1":{"err":"jwtIss","description":"bad iss"}},"maxEvents":1}""", 2)
        assertEquals(listOf("j2") to true, jtis(second) to more(second))
        assertEquals(3, second.changes) // the ack, the setErr, the delivery
        sameState(db, mem)
        val third = poll("""{"ack":["j2","j0"]}""", 3) // j0 already gone: no change
        assertEquals(listOf("j3") to false, jtis(third) to more(third))
        assertEquals(2, third.changes)
        sameState(db, mem)
        val idle = poll("""{"returnImmediately":true}""", 4)
        assertEquals(emptyList<String>() to false, jtis(idle) to more(idle))
        assertEquals(0, idle.changes)

        // j3 was not acknowledged: visible again after the visibility timeout (second attempt).
        val again = poll("""{"returnImmediately":true}""", 1_004)
        assertEquals(listOf("j3"), jtis(again))
        assertTrue(db.rows.single { it.getString("jti") == "j3" }.getInt("attempts") == 2)
        sameState(db, mem)

        // A restart: the memory queue is rebuilt from the host's rows and carries on identically.
        mem = MemoryTransmitter.fromRecords(config, db.recordsJson())
        sameState(db, mem)

        // Out of attempts once its visibility timeout passed: the sweep dead-letters j3.
        val swept = db.sweep(NOW_MS + 2_010, 100)
        val memSwept = mem.sweep(NOW_MS + 2_010, 100)
        assertEquals(memSwept, swept)
        val deadLettered = JSONArray(swept.changesJson).getJSONObject(0)
        assertEquals(listOf("update", "j3", "dead_letter", "max_attempts"), listOf(deadLettered.getString("op"), deadLettered.getString("jti"),
            deadLettered.getString("state"), deadLettered.getJSONObject("last_error").getJSONObject("reason").getString("kind")))
        assertFalse(swept.more)
        sameState(db, mem)
        assertEquals(emptyList(), jtis(poll("""{"returnImmediately":true}""", 2_011)))

        // A fresh SET, then past every retention: the sweep expires it and purges the dead letters.
        assertEquals(mem.enqueue(token("j4"), NOW_MS + 3_000), db.enqueue(token("j4"), NOW_MS + 3_000))
        val late = NOW_MS + 500_000
        val purge = db.sweep(late, 100)
        assertEquals(mem.sweep(late, 100), purge)
        val reasons = JSONArray(purge.changesJson).let { a -> (0 until a.length()).map { a.getJSONObject(it).let { c -> c.getString("jti") to c.getString("reason") } } }
        assertEquals(listOf("j1" to "purged", "j3" to "purged", "j4" to "expired"), reasons)
        assertEquals(emptyList(), db.rows)
        assertEquals(0L, mem.size())
    }

    @Test
    fun boundedSweepDrainsInSteps() {
        val db = StorageDb(StorageTransmitter(config))
        for (i in 0 until 5) db.enqueue(token("s$i"), NOW_MS)
        var rounds = 0
        val deleted = mutableListOf<String>()
        do {
            val r = db.sweep(NOW_MS + 60_000, 2)
            JSONArray(r.changesJson).let { a -> (0 until a.length()).forEach { deleted += a.getJSONObject(it).getString("jti") } }
            rounds++
        } while (r.more && rounds < 10)
        assertEquals((0 until 5).map { "s$it" }, deleted)
        assertEquals(3, rounds) // 2 + 2 + 1 rows: the last load is not full
        assertEquals(emptyList(), db.rows)
    }

    @Test
    fun boundedSweepsMatchTheMemoryTransmitter() {
        // Three SETs expire, two fresh ones sit between them: a budget counts due records, not rows looked at.
        for (budget in 1..4) {
            val mem = MemoryTransmitter(config)
            val db = StorageDb(StorageTransmitter(config))
            for ((i, at) in listOf(0L, 50_000L, 0L, 50_000L, 0L).withIndex()) {
                assertEquals(mem.enqueue(token("d$i"), NOW_MS + at), db.enqueue(token("d$i"), NOW_MS + at))
            }
            val swept = mutableListOf<String>()
            var calls = 0
            do {
                val r = db.sweep(NOW_MS + 60_000, budget)
                assertEquals(mem.sweep(NOW_MS + 60_000, budget), r, "budget $budget, call $calls")
                val jtis = JSONArray(r.changesJson).let { a -> (0 until a.length()).map { a.getJSONObject(it).getString("jti") } }
                assertTrue(jtis.size in 1..budget)
                swept += jtis
                calls++
                assertEquals(swept.size < 3, r.more, "more is exact")
            } while (r.more)
            assertEquals(listOf("d0", "d2", "d4"), swept)
            assertEquals((3 + budget - 1) / budget, calls)
            sameState(db, mem)
            val idle = db.sweep(NOW_MS + 60_000, budget)
            assertEquals(SweepResult("[]", false), idle)
            assertEquals(mem.sweep(NOW_MS + 60_000, budget), idle)
        }
    }

    @Test
    fun longPollWaitsAndResumesThroughPlans() {
        val cfg = TransmitterConfig(profile = TransmitterProfile.RFC8936, longPollMaxWaitMs = 30_000L)
        val mem = MemoryTransmitter(cfg)
        val db = StorageDb(StorageTransmitter(cfg))
        val wait = """{"returnImmediately":false}"""
        val memHeld = mem.handlePoll(AUD, wait, NOW_MS, "")
        val held = same(db.poll(AUD, wait, NOW_MS), memHeld, "wait")
        assertNull(held.responseJson)
        val w = assertNotNull(held.wait)
        assertEquals(AUD to NOW_MS + 30_000, w.client() to w.untilMs())
        val memWait = assertNotNull(memHeld.wait)

        // An enqueue wakes the client; the resume delivers.
        assertEquals(AUD, db.enqueue(token("late"), NOW_MS + 5).wake)
        assertEquals(AUD, mem.enqueue(token("late"), NOW_MS + 5).wake)
        val resumed = same(db.resume(w, NOW_MS + 6), mem.resume(memWait, NOW_MS + 6), "resume")
        assertEquals(listOf("late"), jtis(resumed))
        sameState(db, mem, cfg)

        // RFC 8936: acknowledge and wait in one request; at the deadline, answer empty.
        val ackWait = """{"ack":["late"],"returnImmediately":false}"""
        val memSecond = mem.handlePoll(AUD, ackWait, NOW_MS + 7, "")
        val second = same(db.poll(AUD, ackWait, NOW_MS + 7), memSecond, "ack and wait")
        assertEquals(1, second.changes)
        val w2 = assertNotNull(second.wait)
        assertEquals("""{"returnImmediately":false}""", w2.requestJson())
        val plan = db.tx.planResume(w2, w2.untilMs())
        assertEquals(emptyList(), plan.named())
        val due = same(db.decide(plan), mem.resume(assertNotNull(memSecond.wait), w2.untilMs()), "deadline")
        assertEquals(emptyList<String>() to false, jtis(due) to more(due))
        assertEquals(emptyList(), db.rows)
    }

    @Test
    fun plansCarryTheQueries() {
        val tx = StorageTransmitter(TransmitterConfig(defaultMaxEvents = 20, maxEventsLimit = 50))
        assertEquals(transmitterDefaults().copy(defaultMaxEvents = 20, maxEventsLimit = 50), tx.config())
        val plan = tx.planPoll(AUD, """{"ack":["a","b"],"setErrs":{"c":{"err":"jwtIss","description":"x"}},"maxEvents":500}""", NOW_MS, "")
        assertEquals(AUD, plan.client())
        assertEquals(listOf("c", "a", "b"), plan.named())
        assertEquals(DeliverableQuery(AUD, NOW_MS, 10, listOf("c", "a", "b"), 51), plan.deliverable())

        val e = tx.planEnqueue(token("q1"), NOW_MS)
        assertEquals(AUD to "q1", e.client() to e.jti())
        val s = tx.planSweep(NOW_MS, 1000)
        // A budget of 1000 changes: 1001 rows per query, the last one telling whether more are due.
        assertEquals(Triple(NOW_MS, 1001, 10), Triple(s.nowMs(), s.limit(), s.maxAttempts()))
        assertEquals(4, tx.planSweep(NOW_MS, 3).limit())

        // Bytes in, same plan out; a non-UTF-8 body is the core's typed 400.
        val body = """{"maxEvents":1}"""
        val (a, b) = tx.planPoll(AUD, body, NOW_MS, "") to tx.planPollBytes(AUD, body.toByteArray(), NOW_MS, "")
        assertEquals(listOf(a.client(), a.named(), a.deliverable()), listOf(b.client(), b.named(), b.deliverable()))
        val bad = assertFailsWith<SetpollException.Request> { tx.planPollBytes(AUD, byteArrayOf('{'.code.toByte(), 0xC3.toByte(), '}'.code.toByte()), NOW_MS, "i-8") }
        assertEquals("not_utf8", bad.code)
        assertEquals("UK.OBIE.Resource.InvalidFormat", bad.obieCode)
        assertEquals("i-8", JSONObject(bad.errorResponse).getString("Id"))
    }

    @Test
    fun badInputIsATypedErrorWithACode() {
        val tx = StorageTransmitter(TransmitterConfig())
        fun argument(block: () -> Unit) = assertFailsWith<SetpollException.Argument> { block() }.code

        // Refused bodies and tokens: the same errors as MemoryTransmitter.
        val e = assertFailsWith<SetpollException.Request> { tx.planPoll(AUD, """{"bogus":true}""", NOW_MS, "i-9") }
        assertEquals("unknown_member", e.code)
        assertEquals("i-9", JSONObject(e.errorResponse).getString("Id"))
        assertEquals("malformed_token", assertFailsWith<SetpollException.Transmitter> { tx.planEnqueue("not a token", NOW_MS) }.code)
        assertEquals("negative_time", argument { tx.planPoll(AUD, "{}", -1, "") })
        assertEquals("negative_time", argument { tx.planSweep(-1, 10) })
        assertEquals("negative_value", argument { tx.planSweep(NOW_MS, -1) })
        assertEquals("negative_time", argument { tx.planEnqueue(token("t"), -1) })
        assertEquals("zero_max_events_limit", assertFailsWith<SetpollException.Transmitter> { StorageTransmitter(TransmitterConfig(maxEventsLimit = 0)) }.code)

        // Malformed records.
        val plan = tx.planPoll(AUD, "{}", NOW_MS, "")
        assertEquals("bad_json", argument { tx.decidePoll(plan, "[{\"seq\":1}]", "[]") })
        assertEquals("bad_json", argument { tx.decidePoll(plan, "[]", "{}") })
        assertEquals("bad_json", argument { tx.decidePoll(plan, "[", "[]") })
        assertEquals("bad_json", argument { tx.decideSweep(tx.planSweep(NOW_MS, 10), """[{"seq":1}]""", false) })
        assertEquals("bad_json", argument { tx.decideEnqueue(tx.planEnqueue(token("t1"), NOW_MS), "{}", null) })
        assertEquals("negative_value", argument { tx.decideEnqueue(tx.planEnqueue(token("t1"), NOW_MS), null, -1) })
        assertEquals("bad_json", argument { MemoryTransmitter.fromRecords(TransmitterConfig(), "[1]") })
        // The plan object is still usable after the refusals.
        assertEquals("""{"sets":{},"moreAvailable":false}""", tx.decidePoll(plan, "[]", "[]").responseJson)

        // A record loaded for the wrong key is refused; another client's rows are never delivered.
        val db = StorageDb(tx)
        db.enqueue(token("mine"), NOW_MS)
        val other = JSONObject(db.rows.single().toString()).put("client", "someone-else")
        val enqueuePlan = tx.planEnqueue(token("mine"), NOW_MS)
        val mismatch = assertFailsWith<SetpollException.Transmitter> { tx.decideEnqueue(enqueuePlan, other.toString(), 1L) }
        assertEquals("load_mismatch", mismatch.code)
        val foreign = tx.decidePoll(tx.planPoll("someone-else", """{"ack":["mine"]}""", NOW_MS + 1, ""), JSONArray(db.rows).toString(), JSONArray(db.rows).toString())
        assertEquals("""{"sets":{},"moreAvailable":false}""", foreign.responseJson)
        assertEquals(0, foreign.changes)

        // Conflicting records do not rebuild a queue.
        val twice = JSONArray(listOf(db.rows.single(), db.rows.single())).toString()
        assertEquals("duplicate_jti", assertFailsWith<SetpollException.Transmitter> { MemoryTransmitter.fromRecords(TransmitterConfig(), twice) }.code)
    }

    @Test
    fun bytesEntriesOfTheMemoryTransmitterAndTheReceiver() {
        val tx = MemoryTransmitter(TransmitterConfig())
        tx.enqueue(token("b1"), NOW_MS)
        val notUtf8 = byteArrayOf('{'.code.toByte(), 0xFF.toByte(), '}'.code.toByte())
        val e = assertFailsWith<SetpollException.Request> { tx.handlePollBytes(AUD, notUtf8, NOW_MS, "i-1") }
        assertEquals("not_utf8", e.code)
        assertTrue(e.errorResponse.contains("\"Id\":\"i-1\""))
        val answer = tx.handlePollBytes(AUD, """{"maxEvents":1}""".toByteArray(), NOW_MS, "")
        assertContentEquals(listOf("b1"), jtis(answer))

        val rx = Receiver(ReceiverConfig(issuer = ISS, clientId = AUD, jwksJson = jwksFromKeys(listOf(Keys.es)), backoffJitter = BackoffJitter.NONE, jitterSeed = SEED))
        val req = assertNotNull(rx.nextRequest(NOW_MS))
        val failed = assertNotNull(rx.handleResponseBytes(req.id, 200, notUtf8, NOW_MS, null).failure)
        assertEquals("malformed_response", failed.code)
        assertEquals(200, failed.status)
        val next = assertNotNull(rx.nextRequest(assertNotNull(rx.pollTimeout())))
        val batch = rx.handleResponseBytes(next.id, 200, answer.responseJson!!.toByteArray(), NOW_MS + 60_000, null)
        assertNull(batch.failure)
        assertEquals(listOf("b1"), batch.deliveries.map { it.jti })
    }
}
