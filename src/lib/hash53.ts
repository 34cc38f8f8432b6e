// A fast 53-bit string hash: a whole double, so hashes live in plain number arrays and typed arrays.

/**
 * A 53-bit hash of a string (two multiply-xorshift lanes); never 0, which marks an empty slot. The
 * seeds (two 32-bit integers) make it one of many: a table keyed by ids a client chooses uses a secret
 * one, so the client cannot work out ids that collide.
 */
export function hash53(id: string, seedA = 0, seedB = 0): number {
  let a = 0x9e3779b9 ^ id.length ^ seedA;
  let b = 0x85ebca6b ^ id.length ^ seedB;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    b = Math.imul(b ^ c, 0x1b873593);
    b ^= b >>> 13;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b = Math.imul(b ^ (b >>> 16), 0x27d4eb2f);
  b = Math.imul(b ^ (b >>> 15), 0x165667b1);
  b ^= b >>> 16;
  const hash = (b >>> 11) * 0x100000000 + (a >>> 0);
  return hash === 0 ? 1 : hash;
}
