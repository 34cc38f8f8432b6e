// Group commit: writes that arrive in the same tick share one transaction (one fsync), and each
// caller's promise resolves only after that transaction committed.

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T, R> {
  private pending: Array<Pending<T, R>> = [];
  private scheduled = false;

  /** `commit` writes a whole batch in one transaction and returns one result per item, in order. */
  constructor(private readonly commit: (items: T[]) => R[]) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commit whatever is queued now (also called before anything that must see the queued writes). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let results: R[];
    try {
      results = this.commit(batch.map((p) => p.item));
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}
