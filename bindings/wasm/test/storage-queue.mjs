// The storage-neutral `Transmitter` driven over a plain array "table", with
// the loads written the way core/TRANSMITTER.md writes them in SQL, behind
// the same methods as `MemoryQueue` (enqueue, poll, resume, sweep, records).
// The vector runner and the transmitter tests run both forms through it and
// expect identical results.

/** Client ids compare byte by byte (ASCII here), then seq: `ORDER BY client, seq`. */
const byClientSeq = (a, b) => (a.client < b.client ? -1 : a.client > b.client ? 1 : a.seq - b.seq);

export class StorageQueue {
  constructor(setpoll, config) {
    this.rules = new setpoll.Transmitter(config);
    this.table = [];
  }

  /** Apply a decision's changes, as the host's transaction would. */
  commit(changes) {
    const at = (c) => this.table.findIndex((r) => r.client === c.client && r.jti === c.jti);
    for (const c of changes) {
      const { op, ...row } = c;
      if (op === "insert") {
        if (at(c) !== -1) throw new Error(`insert of an existing row ${c.jti}`);
        this.table.push(row);
      } else if (op === "update") {
        const i = at(c);
        if (i === -1) throw new Error(`update of a missing row ${c.jti}`);
        Object.assign(this.table[i], row);
      } else if (op === "delete") {
        const i = at(c);
        if (i === -1) throw new Error(`delete of a missing row ${c.jti}`);
        this.table.splice(i, 1);
      } else {
        throw new Error(`unknown change ${op}`);
      }
    }
  }

  enqueue(token, now) {
    const step = this.rules.planEnqueue(token, now);
    const existing = this.table.find((r) => r.client === step.client && r.jti === step.jti) ?? null;
    const seqs = this.table.filter((r) => r.client === step.client).map((r) => r.seq);
    const out = this.rules.decideEnqueue(step, existing, seqs.length ? Math.max(...seqs) : null);
    this.commit(out.changes);
    return out;
  }

  /** `SELECT ... WHERE client = ? AND jti IN (named)` and the deliverable query. */
  decide(plan) {
    const named = this.table.filter((r) => r.client === plan.client && plan.named.includes(r.jti));
    const q = plan.deliverable;
    const deliverable = this.table
      .filter(
        (r) =>
          r.client === q.client &&
          (r.state === "pending" || r.state === "delivered") &&
          r.visible_at <= q.now &&
          r.expires_at > q.now &&
          r.attempts < q.maxAttempts &&
          !q.exclude.includes(r.jti),
      )
      .sort(byClientSeq)
      .slice(0, q.limit);
    const out = this.rules.decidePoll(plan, named, deliverable);
    this.commit(out.changes);
    return out;
  }

  poll(client, body, now, errorId) {
    return this.decide(this.rules.planPoll(client, body, now, errorId));
  }

  resume(wait, now) {
    return this.decide(this.rules.planResume(wait, now));
  }

  sweep(now, budget) {
    const plan = this.rules.planSweep(now, budget);
    const exhausted = this.table
      .filter((r) => r.state === "delivered" && r.attempts >= plan.maxAttempts && r.visible_at <= plan.now)
      .sort(byClientSeq)
      .slice(0, plan.limit);
    const expired = this.table.filter((r) => r.expires_at <= plan.now).sort(byClientSeq).slice(0, plan.limit);
    const loadedFull = exhausted.length >= plan.limit || expired.length >= plan.limit;
    const out = this.rules.decideSweep(plan, [...exhausted, ...expired], loadedFull);
    this.commit(out.changes);
    return out;
  }

  records() {
    return [...this.table].sort(byClientSeq).map((r) => ({ ...r }));
  }
}
