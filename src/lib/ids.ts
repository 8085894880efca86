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

/**
 * The last id's time (as encoded) and random part (16 base-32 digits), kept as they
 * are between ids: workerd's clock only moves on I/O, so most ids of one request (and
 * of requests that overlap) share a millisecond, and then only the random part changes.
 */
let lastMs = -1;
let lastTime = "";
const randomDigits = new Uint8Array(16);

function drawRandom(): void {
  if (poolOffset + randomDigits.length > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  for (let i = 0; i < randomDigits.length; i++) randomDigits[i] = (pool[poolOffset + i] ?? 0) & 31;
  poolOffset += randomDigits.length;
}

/** The random part plus one, in base 32 (80 bits: it does not overflow in practice). */
function incrementRandom(): void {
  for (let i = randomDigits.length - 1; i >= 0; i--) {
    const digit = (randomDigits[i] ?? 0) + 1;
    randomDigits[i] = digit & 31;
    if (digit < 32) break;
  }
}

function encodeRandom(): string {
  let out = "";
  for (const digit of randomDigits) out += alphabet.charAt(digit);
  return out;
}

/**
 * Ids made in the same millisecond by one isolate sort in the order they were made
 * (ULID's monotonic rule: the random part of the previous id plus one). Without it,
 * two events accepted within a millisecond sort at random, and the routing batch,
 * which takes events in id order, could treat the later one as the first lead of a
 * company.
 */
export function newId(prefix: "evt" | "req" | "att" | "job" | "lead" | "alert", nowMs = Date.now()): string {
  if (nowMs === lastMs) {
    incrementRandom();
  } else {
    drawRandom();
    lastMs = nowMs;
    lastTime = encodeTime(nowMs);
  }
  return `${prefix}_${lastTime}${encodeRandom()}`;
}
