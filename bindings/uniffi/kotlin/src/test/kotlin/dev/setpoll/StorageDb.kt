package dev.setpoll

import org.json.JSONArray
import org.json.JSONObject

/**
 * A toy database for [StorageTransmitter]: a list of records in the core's
 * serde form, the queries its plans name (those of core/TRANSMITTER.md, in
 * Kotlin), and a commit that applies changes the way a SQL host would
 * (an insert of an existing key, or an update or delete of a missing one,
 * fails the test, as a unique index or a row count check would).
 */
class StorageDb(val tx: StorageTransmitter) {
    val rows = mutableListOf<JSONObject>()

    private fun JSONObject.key() = getString("client") to getString("jti")
    private val order = compareBy<JSONObject>({ it.getString("client") }, { it.getLong("seq") })

    /** Every row, ordered by client and seq: the shape of `MemoryTransmitter.recordsJson()`. */
    fun recordsJson(): String = JSONArray(rows.sortedWith(order)).toString()

    fun commit(changesJson: String) {
        val changes = JSONArray(changesJson)
        for (i in 0 until changes.length()) {
            val c = changes.getJSONObject(i)
            val key = c.key()
            when (val op = c.getString("op")) {
                "insert" -> {
                    check(rows.none { it.key() == key }) { "duplicate key $key" }
                    check(rows.none { it.getString("client") == key.first && it.getLong("seq") == c.getLong("seq") }) { "duplicate seq" }
                    rows += JSONObject(c.toString()).apply { remove("op") }
                }
                "update" -> {
                    val row = rows.single { it.key() == key }
                    for (f in listOf("state", "attempts", "visible_at", "expires_at", "last_error")) row.put(f, c.get(f))
                }
                "delete" -> check(rows.removeIf { it.key() == key }) { "delete of missing $key" }
                else -> error("unknown op $op")
            }
        }
    }

    fun enqueue(token: String, nowMs: Long): EnqueueResult {
        val plan = tx.planEnqueue(token, nowMs)
        val result = tx.decideEnqueue(plan, recordJson(plan.client(), plan.jti()), maxSeq(plan.client()))
        commit(result.changesJson)
        return result
    }

    fun poll(client: String, body: String, nowMs: Long, interactionId: String = ""): PollAnswer =
        decide(tx.planPoll(client, body, nowMs, interactionId))

    fun resume(wait: PollWait, nowMs: Long): PollAnswer = decide(tx.planResume(wait, nowMs))

    fun decide(plan: PollPlan): PollAnswer {
        val answer = tx.decidePoll(plan, namedJson(plan.client(), plan.named()), deliverableJson(plan.deliverable()))
        commit(answer.changesJson)
        return answer
    }

    fun recordJson(client: String, jti: String): String? = rows.find { it.key() == client to jti }?.toString()

    fun maxSeq(client: String): Long? = rows.filter { it.getString("client") == client }.maxOfOrNull { it.getLong("seq") }

    /** `WHERE client = :client AND jti IN (:jtis)`. */
    fun namedJson(client: String, jtis: List<String>): String =
        JSONArray(rows.filter { it.getString("client") == client && it.getString("jti") in jtis }).toString()

    /** The deliverable query of core/TRANSMITTER.md. */
    fun deliverableJson(q: DeliverableQuery): String = JSONArray(
        rows.filter {
            it.getString("client") == q.client &&
                it.getString("state") in setOf("pending", "delivered") &&
                it.getLong("visible_at") <= q.nowMs && q.nowMs < it.getLong("expires_at") &&
                it.getLong("attempts") < q.maxAttempts &&
                it.getString("jti") !in q.exclude
        }.sortedBy { it.getLong("seq") }.take(q.limit),
    ).toString()

    /** Both sweep queries (`ORDER BY client, seq LIMIT :limit` each) and whether either was full. */
    fun sweepJson(plan: SweepPlan): Pair<String, Boolean> {
        val (n, now) = plan.limit() to plan.nowMs()
        val ordered = rows.sortedWith(order)
        val expired = ordered.filter { it.getLong("expires_at") <= now }.take(n)
        val exhausted = ordered.filter {
            it.getString("state") == "delivered" && it.getLong("attempts") >= plan.maxAttempts() &&
                it.getLong("visible_at") <= now
        }.take(n)
        return JSONArray(expired + exhausted).toString() to (expired.size == n || exhausted.size == n)
    }

    fun sweep(nowMs: Long, budget: Int): SweepResult {
        val plan = tx.planSweep(nowMs, budget)
        val (records, full) = sweepJson(plan)
        val result = tx.decideSweep(plan, records, full)
        commit(result.changesJson)
        return result
    }
}
