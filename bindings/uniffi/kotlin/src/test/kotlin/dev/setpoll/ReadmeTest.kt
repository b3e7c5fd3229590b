package dev.setpoll

import dev.setpoll.readme.Reply
import dev.setpoll.readme.Store
import org.json.JSONObject
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import dev.setpoll.readme.enqueue as readmeEnqueue
import dev.setpoll.readme.poll as readmePoll
import dev.setpoll.readme.resume as readmeResume
import dev.setpoll.readme.sweep as readmeSweep

/**
 * Runs the README's storage-neutral transmitter example (copied into
 * `dev.setpoll.readme` by scripts/kotlin/test.sh) over a [Store] kept in a
 * Kotlin list, with a transaction that rolls back on a throw.
 */
class ReadmeTest {
    private class ListStore : Store {
        val db = StorageDb(dev.setpoll.readme.tx)
        val locked = mutableListOf<String>()

        override fun <T> transaction(block: () -> T): T {
            val saved = db.rows.map { JSONObject(it.toString()) }
            return try {
                block()
            } catch (e: Throwable) {
                db.rows.clear()
                db.rows += saved
                throw e
            }
        }
        override fun lockClient(client: String) { locked += client }
        override fun recordJson(client: String, jti: String) = db.recordJson(client, jti)
        override fun maxSeq(client: String) = db.maxSeq(client)
        override fun recordsJson(client: String, jtis: List<String>) = db.namedJson(client, jtis)
        override fun deliverableJson(q: DeliverableQuery) = db.deliverableJson(q)
        override fun sweepJson(plan: SweepPlan) = db.sweepJson(plan)
        override fun apply(changesJson: String) = db.commit(changesJson)
    }

    private fun token(jti: String) = signSet(makeClaims(jti), Keys.es, System.currentTimeMillis(), HeaderProfile.Rfc8417)

    private fun sent(reply: Reply, status: Int = 200): JSONObject {
        val send = assertIs<Reply.Send>(reply)
        assertEquals(status, send.status, send.json)
        return JSONObject(send.json)
    }

    @Test
    fun theReadmeExampleRunsOverAStore() {
        val store = ListStore()
        val a = token("a")
        assertEquals(AUD, readmeEnqueue(store, a))
        assertNull(readmeEnqueue(store, a), "already queued: nobody to wake")
        assertEquals(1, store.db.rows.size)

        val first = sent(readmePoll(store, AUD, """{"maxEvents":5}""".toByteArray(), "i-1"))
        assertEquals(setOf("a"), first.getJSONObject("sets").keySet())
        assertEquals(a, first.getJSONObject("sets").getString("a"))
        assertEquals("delivered", store.db.rows.single().getString("state"))

        val bad = sent(readmePoll(store, AUD, byteArrayOf('{'.code.toByte(), 0xFE.toByte(), '}'.code.toByte()), "i-2"), 400)
        assertEquals("i-2", bad.getString("Id"))
        assertEquals("UK.OBIE.Resource.InvalidFormat", bad.getJSONArray("Errors").getJSONObject(0).getString("ErrorCode"))

        // Acknowledge; then an empty queue holds the next poll until an enqueue wakes it.
        val acked = sent(readmePoll(store, AUD, """{"ack":["a"],"returnImmediately":true}""".toByteArray(), "i-3"))
        assertTrue(acked.getJSONObject("sets").isEmpty)
        assertEquals(emptyList(), store.db.rows)
        val held = assertIs<Reply.Hold>(readmePoll(store, AUD, """{"returnImmediately":false}""".toByteArray(), "i-4"))
        assertEquals(AUD, held.wait.client())
        assertEquals(AUD, readmeEnqueue(store, token("b")))
        val resumed = sent(readmeResume(store, held.wait))
        assertEquals(setOf("b"), resumed.getJSONObject("sets").keySet())
        assertEquals(List(4) { AUD }, store.locked)

        // Nothing is due yet: the sweep changes nothing and stops.
        val before = store.db.recordsJson()
        readmeSweep(store)
        assertEquals(before, store.db.recordsJson())

        // A refused token changes nothing.
        assertEquals("malformed_token", assertFailsWith<SetpollException.Transmitter> { readmeEnqueue(store, "x.y.z") }.code)
        assertEquals(before, store.db.recordsJson())
    }
}
