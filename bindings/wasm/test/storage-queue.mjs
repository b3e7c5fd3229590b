// The `StorageTransmitter` driven over a plain array "table", with
// the loads written the way core/TRANSMITTER.md writes them in SQL, behind
// the same methods as the vector runner's `MemoryTransmitter` wrapper (enqueue, poll, resume, sweep, records).
// The vector runner and the transmitter tests run both forms through it and
// expect identical results.

/** Client ids compare byte by byte (ASCII here), then seq: `ORDER BY client, seq`. */
const byClientSeq = (a, b) => (a.client < b.client ? -1 : a.client > b.client ? 1 : a.seq - b.seq);

export class StorageQueue {
  constructor(setpoll, config) {
    this.rules = new setpoll.StorageTransmitter(config);
    this.table = [];
  }

  /** Apply a decision's changes, as the host's transaction would. */
  commit(changesJson) {
    const changes = JSON.parse(changesJson);
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
    const plan = this.rules.planEnqueue(token, now);
    const [client, jti] = [plan.client(), plan.jti()];
    const existing = this.table.find((r) => r.client === client && r.jti === jti);
    const seqs = this.table.filter((r) => r.client === client).map((r) => r.seq);
    const out = this.rules.decideEnqueue(plan, existing && JSON.stringify(existing), seqs.length ? Math.max(...seqs) : undefined);
    this.commit(out.changesJson);
    return out;
  }

  /** `SELECT ... WHERE client = ? AND jti IN (named)` and the deliverable query. */
  decide(plan) {
    const [client, names] = [plan.client(), plan.named()];
    const named = this.table.filter((r) => r.client === client && names.includes(r.jti));
    const q = plan.deliverable();
    const deliverable = this.table
      .filter(
        (r) =>
          r.client === q.client &&
          (r.state === "pending" || r.state === "delivered") &&
          r.visible_at <= q.nowMs &&
          r.expires_at > q.nowMs &&
          r.attempts < q.maxAttempts &&
          !q.exclude.includes(r.jti),
      )
      .sort(byClientSeq)
      .slice(0, q.limit);
    const out = this.rules.decidePoll(plan, JSON.stringify(named), JSON.stringify(deliverable));
    this.commit(out.changesJson);
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
    const [at, limit, maxAttempts] = [plan.nowMs(), plan.limit(), plan.maxAttempts()];
    const exhausted = this.table
      .filter((r) => r.state === "delivered" && r.attempts >= maxAttempts && r.visible_at <= at)
      .sort(byClientSeq)
      .slice(0, limit);
    const expired = this.table.filter((r) => r.expires_at <= at).sort(byClientSeq).slice(0, limit);
    const loadedFull = exhausted.length >= limit || expired.length >= limit;
    const out = this.rules.decideSweep(plan, JSON.stringify([...exhausted, ...expired]), loadedFull);
    this.commit(out.changesJson);
    return out;
  }

  records() {
    return [...this.table].sort(byClientSeq).map((r) => ({ ...r }));
  }
}
