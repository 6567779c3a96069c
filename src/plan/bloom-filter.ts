/**
 * A Bloom filter over strings, of a size fixed when it is made: `mightHave` is never wrong
 * when it answers false; for a string never added it answers true at a rate that grows
 * as the filter fills (with 2^25 bits and 4 probes: about 1 in 5,000 after a million
 * strings, 1 in 4 after ten million).
 */
export class BloomFilter {
  private readonly words: Int32Array;
  private readonly mask: number;

  /** `log2Bits`: the filter holds 2^log2Bits bits (from 5 to 31); `probes`: bits set per string. */
  constructor(
    log2Bits = 25,
    private readonly probes = 4,
  ) {
    if (!Number.isInteger(log2Bits) || log2Bits < 5 || log2Bits > 31) throw new RangeError(`a Bloom filter has 2^5 to 2^31 bits, not 2^${log2Bits}`);
    this.words = new Int32Array(2 ** (log2Bits - 5));
    this.mask = 2 ** log2Bits - 1;
  }

  add(text: string): void {
    this.probe(text, true);
  }

  mightHave(text: string): boolean {
    return this.probe(text, false);
  }

  /** Visits the string's bits (two hashes, combined as h1 + i * h2), setting them or testing them. */
  private probe(text: string, set: boolean): boolean {
    // FNV-1a, and a multiply-xorshift hash with another seed, each finished by murmur3's mix.
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = mix(a);
    // Odd, so the probes of one string never all land on the same bit.
    b = mix(b) | 1;
    let all = true;
    for (let i = 0; i < this.probes; i++) {
      const bit = (a + Math.imul(i, b)) & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if (set) this.words[word] |= flag;
      else if ((this.words[word] & flag) === 0) {
        all = false;
        break;
      }
    }
    return all;
  }
}

/** murmur3's 32-bit finalizer: every bit of the input moves about half the bits of the output. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
