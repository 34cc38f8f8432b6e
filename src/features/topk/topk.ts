// Live leaderboard: entities ordered by score descending, ties by the smaller id (plain string
// comparison, i.e. UTF-16 code units).
//
// A treap keyed by (score, id): a binary search tree in that order that is also a max-heap on a
// per-node priority, which keeps its expected depth O(log n). Priorities come from a fixed-seed
// integer hash of an insertion counter, so the same operations always build the same tree (runs are
// reproducible) while the shape does not depend on the ids or scores callers choose.
// Nodes live in parallel typed arrays indexed by node number rather than as objects: an update
// then allocates nothing and the tree stays compact for the garbage collector.

export interface ScoredEntity {
  entity: string;
  score: number;
}

/** Node number meaning "no node". Node 0 is never allocated to an entity. */
const NIL = 0;
const INITIAL_CAPACITY = 16;

export class TopK {
  /** entity → node number. */
  readonly #nodeOf = new Map<string, number>();
  #entity: string[] = [''];
  #score = new Float64Array(INITIAL_CAPACITY);
  #priority = new Uint32Array(INITIAL_CAPACITY);
  #left = new Int32Array(INITIAL_CAPACITY);
  #right = new Int32Array(INITIAL_CAPACITY);
  /** Parent links let remove and re-rank find a node's place without comparing keys down the tree. */
  #parent = new Int32Array(INITIAL_CAPACITY);
  #root = NIL;
  /** Node numbers released by remove(), reused before growing. */
  #freeNodes: number[] = [];
  #nextNode = 1;
  #priorityCounter = 0;
  /** Reused by topK() for its in-order walk. */
  #walkStack: number[] = [];

  /** Number of entities on the board. */
  get size(): number {
    return this.#nodeOf.size;
  }

  /** Current score of an entity, or undefined if it is not on the board. */
  score(entity: string): number | undefined {
    const node = this.#nodeOf.get(entity);
    return node === undefined ? undefined : this.#score[node];
  }

  /** Adds `delta` to the entity's score (a new entity starts at 0). Returns the new score. */
  update(entity: string, delta: number): number {
    if (!Number.isFinite(delta)) throw new RangeError(`TopK.update: delta must be a finite number, got ${String(delta)} for '${entity}'`);
    const node = this.#nodeOf.get(entity);
    const next = (node === undefined ? 0 : this.#score[node]!) + delta;
    if (!Number.isFinite(next)) throw new RangeError(`TopK.update: score of '${entity}' would overflow to ${String(next)}`);
    this.#place(entity, node, next);
    return next;
  }

  /** Sets the entity's score, adding the entity if needed. */
  set(entity: string, score: number): void {
    if (!Number.isFinite(score)) throw new RangeError(`TopK.set: score must be a finite number, got ${String(score)} for '${entity}'`);
    this.#place(entity, this.#nodeOf.get(entity), score);
  }

  /** Removes the entity; returns whether it was on the board. */
  remove(entity: string): boolean {
    const node = this.#nodeOf.get(entity);
    if (node === undefined) return false;
    this.#unlink(node);
    this.#nodeOf.delete(entity);
    this.#entity[node] = '';
    this.#freeNodes.push(node);
    return true;
  }

  /** The k best entities, best first. O(k + log n). */
  topK(k: number): ScoredEntity[] {
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`TopK.topK: k must be an integer ≥ 0, got ${String(k)}`);
    const out: ScoredEntity[] = [];
    const stack = this.#walkStack;
    stack.length = 0;
    let node = this.#root;
    while (out.length < k && (node !== NIL || stack.length > 0)) {
      while (node !== NIL) {
        stack.push(node);
        node = this.#left[node]!;
      }
      node = stack.pop()!;
      out.push({ entity: this.#entity[node]!, score: this.#score[node]! });
      node = this.#right[node]!;
    }
    return out;
  }

  #place(entity: string, node: number | undefined, score: number): void {
    if (node === undefined) {
      node = this.#allocate(entity);
    } else {
      if (this.#score[node] === score) return;
      this.#unlink(node);
    }
    // + 0 turns −0 into 0, so a score that cancels out reads (and ties) as plain 0.
    this.#score[node] = score + 0;
    this.#insert(node);
  }

  /** Whether node a ranks before node b: higher score, then smaller id. */
  #before(a: number, b: number): boolean {
    const sa = this.#score[a]!;
    const sb = this.#score[b]!;
    return sa > sb || (sa === sb && this.#entity[a]! < this.#entity[b]!);
  }

  #allocate(entity: string): number {
    let node = this.#freeNodes.pop();
    if (node === undefined) {
      if (this.#nextNode === this.#score.length) this.#grow();
      node = this.#nextNode++;
    }
    this.#entity[node] = entity;
    this.#priority[node] = this.#nextPriority();
    this.#nodeOf.set(entity, node);
    return node;
  }

  #grow(): void {
    const capacity = this.#score.length * 2;
    const grown = <T extends Float64Array | Uint32Array | Int32Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.#score = grown(this.#score, new Float64Array(capacity));
    this.#priority = grown(this.#priority, new Uint32Array(capacity));
    this.#left = grown(this.#left, new Int32Array(capacity));
    this.#right = grown(this.#right, new Int32Array(capacity));
    this.#parent = grown(this.#parent, new Int32Array(capacity));
  }

  /** Murmur3's 32-bit finaliser over a Weyl sequence: well-mixed, deterministic priorities. */
  #nextPriority(): number {
    this.#priorityCounter = (this.#priorityCounter + 0x9e3779b9) | 0;
    let h = this.#priorityCounter;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** Hangs `child` (possibly NIL) under `parent` on the given side, or makes it the root when parent is NIL. */
  #attach(parent: number, toLeft: boolean, child: number): void {
    if (parent === NIL) this.#root = child;
    else if (toLeft) this.#left[parent] = child;
    else this.#right[parent] = child;
    if (child !== NIL) this.#parent[child] = parent;
  }

  /** Inserts a detached node: descend while priorities are higher, then split the rest around it. */
  #insert(node: number): void {
    const priority = this.#priority[node]!;
    let parent = NIL;
    let toLeft = false;
    let at = this.#root;
    while (at !== NIL && this.#priority[at]! >= priority) {
      parent = at;
      toLeft = this.#before(node, at);
      at = toLeft ? this.#left[at]! : this.#right[at]!;
    }
    this.#attach(parent, toLeft, node);
    // Split the subtree at `at` around `node`: nodes that rank before it form its left subtree, the
    // others its right subtree. Each side grows down one spine, so keep where its next node hangs.
    let beforeParent = node;
    let beforeOnLeft = true;
    let afterParent = node;
    let afterOnLeft = false;
    while (at !== NIL) {
      if (this.#before(at, node)) {
        this.#attach(beforeParent, beforeOnLeft, at);
        beforeParent = at;
        beforeOnLeft = false;
        at = this.#right[at]!;
      } else {
        this.#attach(afterParent, afterOnLeft, at);
        afterParent = at;
        afterOnLeft = true;
        at = this.#left[at]!;
      }
    }
    this.#attach(beforeParent, beforeOnLeft, NIL);
    this.#attach(afterParent, afterOnLeft, NIL);
  }

  /** Detaches a node from the tree, merging its two subtrees into its place. */
  #unlink(node: number): void {
    let parent = this.#parent[node]!;
    let toLeft = parent !== NIL && this.#left[parent] === node;
    // Merge: every node of `a` ranks before every node of `b`; the higher priority goes on top.
    let a = this.#left[node]!;
    let b = this.#right[node]!;
    while (a !== NIL && b !== NIL) {
      if (this.#priority[a]! >= this.#priority[b]!) {
        this.#attach(parent, toLeft, a);
        parent = a;
        toLeft = false;
        a = this.#right[a]!;
      } else {
        this.#attach(parent, toLeft, b);
        parent = b;
        toLeft = true;
        b = this.#left[b]!;
      }
    }
    this.#attach(parent, toLeft, a !== NIL ? a : b);
    this.#left[node] = NIL;
    this.#right[node] = NIL;
  }
}
