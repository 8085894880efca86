/**
 * Time-ordered ids (ULID layout: 48-bit millisecond time + 80 random bits, Crockford
 * base32), prefixed by kind. Sorting ids sorts by creation time, which makes them
 * good cursors for pagination and keeps D1 inserts append-mostly.
 */
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encodeTime(ms: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = alphabet[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/**
 * Random bytes drawn 4 KiB at a time: one `getRandomValues` call per 256 ids instead
 * of one per id (each call crosses into the runtime; per id it showed up in profiles
 * of the ingest path, which makes two ids per webhook). Still the CSPRNG's bytes,
 * each used once.
 */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function encodeRandom(): string {
  if (poolOffset + 16 > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let out = "";
  for (let i = poolOffset; i < poolOffset + 16; i++) out += alphabet.charAt((pool[i] ?? 0) & 31);
  poolOffset += 16;
  return out;
}

/** The last id's time and random part, for ids made within one millisecond. */
let lastMs = -1;
let lastRandom = "";

/** The random part plus one, in base 32 (80 bits: it does not overflow in practice). */
function increment(random: string): string {
  const digits = [...random].map((char) => alphabet.indexOf(char));
  for (let i = digits.length - 1; i >= 0; i--) {
    const digit = (digits[i] ?? 0) + 1;
    digits[i] = digit % 32;
    if (digit < 32) break;
  }
  return digits.map((digit) => alphabet.charAt(digit)).join("");
}

/**
 * Ids made in the same millisecond by one isolate sort in the order they were made
 * (ULID's monotonic rule: the random part of the previous id plus one). Without it,
 * two events accepted within a millisecond sort at random, and the routing batch,
 * which takes events in id order, could treat the later one as the first lead of a
 * company.
 */
export function newId(prefix: "evt" | "req" | "att" | "job" | "lead" | "alert", nowMs = Date.now()): string {
  const random = nowMs === lastMs ? increment(lastRandom) : encodeRandom();
  lastMs = nowMs;
  lastRandom = random;
  return `${prefix}_${encodeTime(nowMs)}${random}`;
}
