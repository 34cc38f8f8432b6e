// The event log's idempotency index: event id → sequence number, in memory. A B-tree index on the id
// column cost SQLite half its append rate (random keys touch a random page per event), so the embedded
// log keeps a 53-bit hash of each id in an open-addressing table instead, rebuilt at open from the
// hashes stored beside each block of events. A hash names candidates only: the log confirms a hit by
// reading the stored event, so colliding ids (two ids, one hash) are both kept and told apart.
const NONE: readonly number[] = [];
/** Sequence numbers start at 1: 0 marks a removed entry. */
const REMOVED = 0;

/** Hash → sequence numbers, with linear probing: 16 bytes a slot, kept at most 70 % full (23–46 bytes per id). */
export class IdIndex {
  private hashes = new Float64Array(1 << 12);
  private seqs = new Float64Array(1 << 12);
  /** Live entries, and slots taken (live or removed): the table grows by the latter. */
  private used = 0;
  private taken = 0;

  get size(): number {
    return this.used;
  }

  /** Memory the table holds. */
  get bytes(): number {
    return this.hashes.byteLength + this.seqs.byteLength;
  }

  add(hash: number, seq: number): void {
    if ((this.taken + 1) * 10 > this.hashes.length * 7) this.grow();
    this.put(hash, seq);
    this.used++;
    this.taken++;
  }

  /** Forget one entry (a planned append that did not commit). Its slot stays taken, so probing still passes it. */
  remove(hash: number, seq: number): void {
    const mask = this.hashes.length - 1;
    for (let slot = this.slotOf(hash, mask); this.hashes[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.hashes[slot] === hash && this.seqs[slot] === seq) {
        this.seqs[slot] = REMOVED;
        this.used--;
        return;
      }
    }
  }

  /** Every sequence number stored under `hash` (usually none or one). */
  candidates(hash: number): readonly number[] {
    const mask = this.hashes.length - 1;
    let found: number[] | undefined;
    for (let slot = this.slotOf(hash, mask); this.hashes[slot] !== 0; slot = (slot + 1) & mask) {
      if (this.hashes[slot] === hash && this.seqs[slot] !== REMOVED) (found ??= []).push(this.seqs[slot]!);
    }
    return found ?? NONE;
  }

  private put(hash: number, seq: number): void {
    const mask = this.hashes.length - 1;
    let slot = this.slotOf(hash, mask);
    while (this.hashes[slot] !== 0) slot = (slot + 1) & mask;
    this.hashes[slot] = hash;
    this.seqs[slot] = seq;
  }

  private slotOf(hash: number, mask: number): number {
    // The low 32 bits are one lane of the hash, already well mixed.
    return (hash % 0x100000000) & mask;
  }

  private grow(): void {
    const hashes = this.hashes;
    const seqs = this.seqs;
    this.hashes = new Float64Array(hashes.length * 2);
    this.seqs = new Float64Array(seqs.length * 2);
    this.taken = this.used;
    for (let i = 0; i < hashes.length; i++) if (hashes[i] !== 0 && seqs[i] !== REMOVED) this.put(hashes[i]!, seqs[i]!);
  }
}
