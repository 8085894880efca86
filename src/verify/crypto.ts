/**
 * Small byte helpers over WebCrypto shared by the verifiers. Everything that
 * compares a signature or a token goes through `timingSafeEqual`.
 */
const encoder = new TextEncoder();

export type HmacAlgorithm = "SHA-1" | "SHA-256" | "SHA-512";

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Imported keys of configured secrets, so a webhook does not import its key again. */
const keyCache = new Map<string, Promise<CryptoKey>>();
/** Secrets rotate and sources come and go: past this many keys the cache starts over. */
const keyCacheLimit = 256;

function importHmacKey(algorithm: HmacAlgorithm, key: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", key, { name: "HMAC", hash: algorithm }, false, ["sign"]);
}

/**
 * HMAC of `data`. A `string` key is a configured secret, used as its UTF-8 bytes;
 * its imported key is kept for the isolate's life (non-extractable, like the
 * secret it came from, which the cached configuration holds anyway).
 */
export async function hmac(algorithm: HmacAlgorithm, key: Uint8Array | string, data: Uint8Array): Promise<Uint8Array> {
  let cryptoKey: Promise<CryptoKey>;
  if (typeof key === "string") {
    const cacheKey = `${algorithm}:${key}`;
    let cached = keyCache.get(cacheKey);
    if (!cached) {
      if (keyCache.size >= keyCacheLimit) keyCache.clear();
      cached = importHmacKey(algorithm, utf8(key));
      // A failed import is not kept: the next request tries again.
      cached.catch(() => keyCache.delete(cacheKey));
      keyCache.set(cacheKey, cached);
    }
    cryptoKey = cached;
  } else {
    cryptoKey = importHmacKey(algorithm, key);
  }
  return new Uint8Array(await crypto.subtle.sign("HMAC", await cryptoKey, data));
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/** Constant-time equality (workerd's `crypto.subtle.timingSafeEqual`); false on length mismatch. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return crypto.subtle.timingSafeEqual(a, b);
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Hex to bytes; undefined for anything that is not even-length hex. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Base64 (standard or URL alphabet, padding optional) to bytes; undefined when malformed. */
export function fromBase64(text: string): Uint8Array | undefined {
  const normalized = text.replaceAll("-", "+").replaceAll("_", "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized)) return undefined;
  try {
    const binary = atob(normalized.padEnd(Math.ceil(normalized.length / 4) * 4, "="));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** Compare a computed digest with a candidate given as text in `encoding`. */
export function digestMatches(expected: Uint8Array, candidate: string, encoding: "hex" | "base64"): boolean {
  const decoded = encoding === "hex" ? fromHex(candidate.trim()) : fromBase64(candidate.trim());
  return decoded !== undefined && timingSafeEqual(expected, decoded);
}

/**
 * Whether any of `candidates` matches; every one is compared, so the time taken does not
 * reveal which (providers send several signatures while a secret is being rotated).
 */
export function anyDigestMatches(expected: Uint8Array, candidates: readonly string[], encoding: "hex" | "base64"): boolean {
  let matched = false;
  for (const candidate of candidates) {
    if (digestMatches(expected, candidate, encoding)) matched = true;
  }
  return matched;
}

/**
 * Index of the first secret (newest first) for which `matches` holds, or undefined.
 * Every secret is tried, so the time taken does not reveal which one matched.
 */
export async function matchingSecretIndex(secrets: readonly string[], matches: (secret: string) => Promise<boolean>): Promise<number | undefined> {
  let found: number | undefined;
  for (const [index, secret] of secrets.entries()) {
    if ((await matches(secret)) && found === undefined) found = index;
  }
  return found;
}

/**
 * Index of the first secret whose UTF-8 bytes equal `presented` exactly (a shared key
 * or password sent as is), or undefined. Both sides are hashed first so the comparison
 * takes the same time whatever the lengths, which would otherwise leak through
 * `timingSafeEqual`'s early return on a length mismatch.
 */
export async function equalSecretIndex(secrets: readonly string[], presented: Uint8Array): Promise<number | undefined> {
  const presentedHash = await sha256(presented);
  return matchingSecretIndex(secrets, async (secret) => timingSafeEqual(presentedHash, await sha256(utf8(secret))));
}

/**
 * A top-level field of a JSON object body; undefined when the body is not UTF-8 JSON,
 * not an object, or lacks the field. Only for metadata read after verification: a body
 * that does not parse is refused later by the ingest path (400), so no id is all we lose.
 */
export function jsonField(body: Uint8Array, field: string): unknown {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
    if (typeof parsed !== "object" || parsed === null || !Object.hasOwn(parsed, field)) return undefined;
    return (parsed as Record<string, unknown>)[field];
  } catch {
    return undefined;
  }
}

/** `jsonField` when it is a non-empty string (the delivery ids providers put in bodies). */
export function jsonStringField(body: Uint8Array, field: string): string | undefined {
  const value = jsonField(body, field);
  return typeof value === "string" && value !== "" ? value : undefined;
}
