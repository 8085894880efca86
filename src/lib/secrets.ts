/**
 * AES-GCM for secrets at rest. The key is SHA-256 of the Worker secret
 * `CONFIG_KEY` (any string of good entropy, e.g. `openssl rand -base64 32`), so
 * operators never have to produce exactly 32 raw bytes. Every value gets a fresh
 * random 96-bit IV; the stored form is `enc:v1:<iv b64url>:<ciphertext+tag b64url>`.
 * To change `CONFIG_KEY`, keep the old one as `CONFIG_KEY_PREVIOUS`: values open
 * with either, new ones are sealed with `CONFIG_KEY`, and rekeying (store.ts)
 * re-seals what is stored under the old one.
 */
const envelopePrefix = "enc:v1:";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Derived keys by their material: at most the current and the previous key per isolate. */
const derived = new Map<string, Promise<CryptoKey>>();

/** The AES-256-GCM key derived from a `CONFIG_KEY`, derived once per isolate. */
export function configCryptoKey(material: string): Promise<CryptoKey> {
  let key = derived.get(material);
  if (!key) {
    if (derived.size >= 4) derived.clear();
    key = crypto.subtle
      .digest("SHA-256", encoder.encode(material))
      .then((digest) => crypto.subtle.importKey("raw", digest, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]));
    derived.set(material, key);
  }
  return key;
}

/** True for a value `encryptSecret` produced. */
export function isEncrypted(value: string): boolean {
  return value.startsWith(envelopePrefix);
}

export async function encryptSecret(key: CryptoKey, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(plaintext));
  return `${envelopePrefix}${toBase64Url(iv)}:${toBase64Url(new Uint8Array(sealed))}`;
}

/** Opens an envelope; throws when the key is wrong or the value was tampered with. */
export async function decryptSecret(key: CryptoKey, envelope: string): Promise<string> {
  const [iv, sealed] = envelope.slice(envelopePrefix.length).split(":");
  if (!iv || !sealed) throw new Error("malformed encrypted secret");
  const opened = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv) }, key, fromBase64Url(sealed));
  return decoder.decode(opened);
}

/**
 * Opens an envelope with the first of `keys` that fits: `keyIndex` says which (0 is
 * the current key). Undefined when none does (a wrong key, or a tampered value).
 */
export async function openSecret(keys: readonly CryptoKey[], envelope: string): Promise<{ plaintext: string; keyIndex: number } | undefined> {
  for (const [keyIndex, key] of keys.entries()) {
    try {
      return { plaintext: await decryptSecret(key, envelope), keyIndex };
    } catch {
      // AES-GCM's tag check failed: not this key.
    }
  }
  return undefined;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}
