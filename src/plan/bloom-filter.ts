/**
 * A Bloom filter over strings, of a size fixed when it is made: `mightHave` is never wrong
 * when it answers false; for a string never added it answers true at a rate that grows
 * as the filter fills (with 2^25 bits, 4 MiB, and 4 probes: about 1 in 35,000 after
 * 100,000 strings, 1 in 2,000 after a million, 1 in 4 after ten million).
 */
export class BloomFilter {
  private readonly words: Int32Array;
  /** Blocks of 512 bits (16 words), less one. */
  private readonly blockMask: number;

  /** `log2Bits`: the filter holds 2^log2Bits bits (from 9 to 31); `probes`: bits set per string. */
  constructor(
    log2Bits = 25,
    private readonly probes = 4,
  ) {
    if (!Number.isInteger(log2Bits) || log2Bits < 9 || log2Bits > 31) throw new RangeError(`a Bloom filter has 2^9 to 2^31 bits, not 2^${log2Bits}`);
    if (!Number.isInteger(probes) || probes < 1 || probes > 16) throw new RangeError(`a Bloom filter here sets 1 to 16 bits per string, not ${probes}`);
    this.words = new Int32Array(2 ** (log2Bits - 5));
    this.blockMask = 2 ** (log2Bits - 9) - 1;
  }

  add(text: string): void {
    this.probe(text, true);
  }

  mightHave(text: string): boolean {
    return this.probe(text, false);
  }

  /**
   * Visits the string's bits, setting them or testing them: all in one block of 512 bits
   * (one cache line), picked by one hash, at places picked by another, so that a lookup
   * reads memory once.
   */
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
    const block = (mix(a) & this.blockMask) << 4;
    b = mix(b);
    // Odd, so that the probes of one string never land on the same bit of the block.
    const step = mix(b ^ 0x5bd1e995) | 1;
    let all = true;
    for (let i = 0; i < this.probes; i++) {
      const bit = (b + Math.imul(i, step)) & 511;
      const word = block + (bit >>> 5);
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
