import seedrandom from "seedrandom";

/**
 * A seeded source of random numbers (seedrandom's Alea). Every random function in
 * typegrad takes one; those that are not given one use the default generator,
 * which {@link manualSeed} reseeds.
 */
export class Generator {
  #prng: seedrandom.PRNG;
  #spare: number | null = null;

  /** @param seed - any number or string; the same seed gives the same sequence on every machine. */
  constructor(readonly seed: number | string) {
    if (typeof seed === "number" && !Number.isFinite(seed)) {
      throw new Error(`generator: seed must be a finite number or a string, got ${seed}`);
    }
    this.#prng = seedrandom.alea(String(seed));
  }

  /** A uniform double in [0, 1), with 53 random bits. */
  uniform(): number {
    return this.#prng.double();
  }

  /** A standard normal sample (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  /** `n` indices `0..n-1` in a random order. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/** A new generator seeded with `seed`. */
export function generator(seed: number | string): Generator {
  return new Generator(seed);
}

let defaultGen = new Generator(0);

/** Reseeds the default generator used when no `rng` is passed. */
export function manualSeed(seed: number | string): void {
  defaultGen = new Generator(seed);
}

/**
 * Runs `fn` with `rng` as the default generator and restores the previous one afterwards,
 * even if `fn` throws. typegrad uses it to build throwaway modules (e.g. when rebuilding a
 * model from a checkpoint's architecture) without advancing the user's default generator.
 */
export function withDefaultGenerator<T>(rng: Generator, fn: () => T): T {
  const previous = defaultGen;
  defaultGen = rng;
  try {
    return fn();
  } finally {
    defaultGen = previous;
  }
}

/** The default generator (seed 0 until {@link manualSeed} is called). */
export function defaultGenerator(): Generator {
  return defaultGen;
}
