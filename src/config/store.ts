import { z } from "zod";
import { GatewayError } from "../errors";
import { log } from "../lib/log";
import { configCryptoKey, encryptSecret, isEncrypted, openSecret } from "../lib/secrets";
import { type ChangeSummary, configKinds, summarizeChanges } from "./diff";
import { configSchema, type GatewayConfig, type SourceConfig } from "./schema";
import { hasSecrets, transformSecrets } from "./secret-fields";

/**
 * The configuration lives in KV as a versioned document, and only this module reads
 * or writes those keys:
 *
 * - `config/current`: the active version, `{ version, updatedAt, updatedBy, summary,
 *   document }`, secrets inside `document` encrypted (see src/lib/secrets.ts);
 * - `config/versions/<9999999999 - version>`: every version ever accepted, the same
 *   value, with `{ version, updatedAt, updatedBy, summary }` as KV metadata so the
 *   history lists without reading values. The inverted number makes KV's ascending
 *   listing newest first. History is append-only: a rollback is a new version.
 *
 * KV has no compare-and-swap: two writes at the same moment can both become version
 * n+1 (the later wins, its history entry replaces the other's). `expectedVersion`
 * (the admin API's `If-Match`) narrows that window; it cannot close it.
 */
const currentKey = "config/current";
const versionsPrefix = "config/versions/";
const maxVersion = 9_999_999_999;

/** KV metadata is at most 1024 bytes; id lists beyond this are cut (`truncated`). */
const maxMetadataBytes = 900;

const summarySchema = z.custom<ChangeSummary>((value) => typeof value === "object" && value !== null);

/** A version as stored: the document still has its secrets encrypted, so it is not parsed yet. */
const storedSchema = z.object({
  version: z.number().int().nonnegative(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  summary: summarySchema.optional(),
  /** Set on a version made by rollback: the version whose document it restored. */
  rollbackOf: z.number().int().positive().optional(),
  document: z.unknown(),
});
type StoredEnvelope = z.infer<typeof storedSchema>;

/** What the history shows of one version (no document). */
export interface VersionInfo {
  version: number;
  updatedAt: string;
  updatedBy: string;
  summary?: ChangeSummary & { truncated?: boolean };
  rollbackOf?: number;
}

/** A version with its document, secrets decrypted. */
export interface StoredConfig extends VersionInfo {
  document: GatewayConfig;
}

/**
 * The bindings the configuration store reads. `CONFIG_KEY` is a Worker secret (see
 * src/lib/secrets.ts); `CONFIG_KEY_PREVIOUS`, set while rotating, is the key it replaced.
 */
export type ConfigEnv = Pick<Env, "CONFIG" | "CONFIG_CACHE_SECONDS"> & { CONFIG_KEY?: string; CONFIG_KEY_PREVIOUS?: string };

/** A configuration with lookups built once per load, not per request. */
export interface ActiveConfig {
  version: number;
  document: GatewayConfig;
  sources: ReadonlyMap<string, SourceConfig>;
}

const emptyConfig: ActiveConfig = { version: 0, document: configSchema.parse({}), sources: new Map() };

function activate(stored: StoredConfig | undefined): ActiveConfig {
  if (!stored) return emptyConfig;
  return {
    version: stored.version,
    document: stored.document,
    sources: new Map(stored.document.sources.map((s) => [s.id, s])),
  };
}

function versionKey(version: number): string {
  return `${versionsPrefix}${String(maxVersion - version).padStart(10, "0")}`;
}

function keyFor(env: ConfigEnv): Promise<CryptoKey> {
  if (!env.CONFIG_KEY) {
    throw new GatewayError("config_key_missing", "The Worker secret CONFIG_KEY is not set: configuration secrets cannot be encrypted or read.", 60);
  }
  return configCryptoKey(env.CONFIG_KEY);
}

/** The key that seals, and the keys a stored secret may open with: `CONFIG_KEY` first, then `CONFIG_KEY_PREVIOUS`. */
async function keyring(env: ConfigEnv): Promise<{ sealing: CryptoKey; opening: CryptoKey[] }> {
  const sealing = await keyFor(env);
  return { sealing, opening: env.CONFIG_KEY_PREVIOUS ? [sealing, await configCryptoKey(env.CONFIG_KEY_PREVIOUS)] : [sealing] };
}

/** What to do when no key opens the stored secrets; the same words for the API, the console and ingest. */
function keyMismatch(env: ConfigEnv, count: number): GatewayError {
  const keys = env.CONFIG_KEY_PREVIOUS ? "CONFIG_KEY or CONFIG_KEY_PREVIOUS" : "CONFIG_KEY";
  return new GatewayError(
    "config_key_mismatch",
    `${count} stored configuration secret${count === 1 ? "" : "s"} cannot be opened with ${keys}. If CONFIG_KEY was changed, ` +
      "set CONFIG_KEY_PREVIOUS to the key they were stored with and run `npm run config -- rekey`; " +
      "otherwise PUT /admin/v1/config with every secret entered again.",
    60,
  );
}

/** True for the error `open` throws when no key opens a stored secret. */
export function isKeyMismatch(error: unknown): boolean {
  return error instanceof GatewayError && error.code === "config_key_mismatch";
}

async function readEnvelope(kv: KVNamespace, key: string): Promise<StoredEnvelope | undefined> {
  const raw = await kv.get(key, "json");
  if (raw === null) return undefined;
  // Only this module writes these keys, after validating; a failure here means a
  // key was edited by hand, and keeping the last good config is the safe answer.
  return storedSchema.parse(raw);
}

/**
 * Every secret of a stored document opened (`open`) or sealed again under
 * `CONFIG_KEY` (`reseal`). Values that are not encrypted are taken as they are, so
 * a document seeded by hand (`wrangler kv key put`, the bench) still loads; reseal
 * encrypts them. `unreadable` counts the secrets no key opens; `changed` is true
 * when a resealed value differs from the stored one.
 */
async function withSecrets(env: ConfigEnv, document: unknown, mode: "open" | "reseal"): Promise<{ document: unknown; unreadable: number; changed: boolean }> {
  let keys: ReturnType<typeof keyring> | undefined;
  let unreadable = 0;
  let changed = false;
  const result = await transformSecrets(document, async (value) => {
    if (!isEncrypted(value) && mode === "open") return value;
    keys ??= keyring(env);
    const { sealing, opening } = await keys;
    if (!isEncrypted(value)) {
      changed = true;
      return encryptSecret(sealing, value);
    }
    const opened = await openSecret(opening, value);
    if (!opened) {
      unreadable += 1;
      return value;
    }
    if (mode === "open") return opened.plaintext;
    if (opened.keyIndex === 0) return value;
    changed = true;
    return encryptSecret(sealing, opened.plaintext);
  });
  return { document: result, unreadable, changed };
}

/** Decrypts and validates a stored document; `config_key_mismatch` when a secret opens with no key. */
async function open(env: ConfigEnv, envelope: StoredEnvelope): Promise<StoredConfig> {
  const opened = await withSecrets(env, envelope.document, "open");
  if (opened.unreadable > 0) throw keyMismatch(env, opened.unreadable);
  const { document: _sealed, ...info } = envelope;
  return { ...info, document: configSchema.parse(opened.document) };
}

async function seal(env: ConfigEnv, document: GatewayConfig): Promise<unknown> {
  if (!hasSecrets(document)) return document;
  const key = await keyFor(env);
  return transformSecrets(document, (value) => encryptSecret(key, value));
}

/** The active version read from KV now (not the isolate's cached copy), secrets decrypted. */
export async function readCurrentConfig(env: ConfigEnv): Promise<StoredConfig | undefined> {
  const envelope = await readEnvelope(env.CONFIG, currentKey);
  return envelope ? open(env, envelope) : undefined;
}

/**
 * The active version as stored: its number and its document with the secrets still
 * sealed. Needs no key, so it answers even when no key opens the secrets.
 */
export async function readCurrentSealed(env: ConfigEnv): Promise<{ version: number; sealed: unknown } | undefined> {
  const envelope = await readEnvelope(env.CONFIG, currentKey);
  return envelope ? { version: envelope.version, sealed: envelope.document } : undefined;
}

/** One version of the history, secrets decrypted; undefined if there is none. */
export async function readConfigVersion(env: ConfigEnv, version: number): Promise<StoredConfig | undefined> {
  const envelope = await readEnvelope(env.CONFIG, versionKey(version));
  return envelope ? open(env, envelope) : undefined;
}

/** The history, newest first, from KV metadata alone; `cursor` continues a listing. */
export async function listConfigVersions(
  env: ConfigEnv,
  { limit = 50, cursor }: { limit?: number; cursor?: string } = {},
): Promise<{ versions: VersionInfo[]; cursor?: string }> {
  const listed = await env.CONFIG.list<VersionInfo>({ prefix: versionsPrefix, limit, ...(cursor ? { cursor } : {}) });
  const versions = listed.keys.flatMap((k) => (k.metadata ? [k.metadata] : []));
  return { versions, ...(listed.list_complete ? {} : { cursor: listed.cursor }) };
}

export interface CommitOptions {
  updatedBy?: string;
  /** Refuse (412) unless the active version is this one. */
  expectedVersion?: number;
  rollbackOf?: number;
}

/**
 * Stores an already validated document as the next version: the history entry
 * first, then `config/current`, so a failure in between leaves the active version
 * as it was (the orphan entry is overwritten by the next write).
 */
export async function commitConfig(env: ConfigEnv, document: GatewayConfig, options: CommitOptions = {}): Promise<StoredConfig> {
  const envelope = await readEnvelope(env.CONFIG, currentKey);
  // A document no key opens can still be replaced (that is the way out of a lost
  // key); its summary is then taken against the sealed entries, whose secrets
  // compare as changed.
  const previous = envelope
    ? await open(env, envelope).catch((error: unknown) => {
        if (isKeyMismatch(error)) return { ...envelope, document: envelope.document as Parameters<typeof summarizeChanges>[0] };
        throw error;
      })
    : undefined;
  const current = previous?.version ?? 0;
  if (options.expectedVersion !== undefined && options.expectedVersion !== current) {
    throw new GatewayError(
      "config_version_conflict",
      `The active configuration is version ${current}, not ${options.expectedVersion}; read it again and retry.`,
    );
  }
  const info: VersionInfo = {
    version: current + 1,
    updatedAt: new Date().toISOString(),
    updatedBy: options.updatedBy ?? "system",
    summary: summarizeChanges(previous?.document, document),
    ...(options.rollbackOf !== undefined ? { rollbackOf: options.rollbackOf } : {}),
  };
  const value = JSON.stringify({ ...info, document: await seal(env, document) });
  await env.CONFIG.put(versionKey(info.version), value, { metadata: fitMetadata(info) });
  await env.CONFIG.put(currentKey, value);
  clearConfigCache();
  return { ...info, document };
}

/** What one `rekeyConfig` call did. */
export interface RekeyResult {
  /** Stored values (the active version, history entries) sealed again under `CONFIG_KEY`. */
  rekeyed: number;
  /** Values whose secrets were already under `CONFIG_KEY`, or that have none. */
  unchanged: number;
  /** History versions no key opens: left as they are (rolling back to one is refused). */
  unreadable: number[];
  /** Set when more history is left: call again with it. */
  cursor?: string;
}

/**
 * Seals every stored secret under `CONFIG_KEY`: the active version (on the first
 * call, without `cursor`) and up to `limit` history entries per call (KV allows a
 * Worker a bounded number of operations per request). Secrets open with
 * `CONFIG_KEY_PREVIOUS` or `CONFIG_KEY`; plain ones (a document seeded by hand) are
 * encrypted. An active version no key opens is `config_key_mismatch` and nothing
 * changes. Idempotent: a second run finds everything `unchanged`. Once it has run
 * to the end, `CONFIG_KEY_PREVIOUS` can be removed.
 *
 * KV has no compare-and-swap: the active version is re-read just before it is
 * written, so a configuration write during a rekey wins; run it again after.
 */
export async function rekeyConfig(env: ConfigEnv, { cursor, limit = 200 }: { cursor?: string; limit?: number } = {}): Promise<RekeyResult> {
  const result: RekeyResult = { rekeyed: 0, unchanged: 0, unreadable: [] };
  if (!cursor) {
    const envelope = await readEnvelope(env.CONFIG, currentKey);
    if (envelope) {
      const resealed = await withSecrets(env, envelope.document, "reseal");
      if (resealed.unreadable > 0) throw keyMismatch(env, resealed.unreadable);
      const latest = await readEnvelope(env.CONFIG, currentKey);
      if (resealed.changed && latest?.version === envelope.version && latest.updatedAt === envelope.updatedAt) {
        await env.CONFIG.put(currentKey, JSON.stringify({ ...envelope, document: resealed.document }));
        result.rekeyed += 1;
      } else result.unchanged += 1;
    }
  }
  const listed = await env.CONFIG.list<VersionInfo>({ prefix: versionsPrefix, limit, ...(cursor ? { cursor } : {}) });
  for (const { name, metadata } of listed.keys) {
    const envelope = await readEnvelope(env.CONFIG, name);
    if (!envelope) continue;
    const resealed = await withSecrets(env, envelope.document, "reseal");
    if (resealed.unreadable > 0) result.unreadable.push(envelope.version);
    else if (!resealed.changed) result.unchanged += 1;
    else {
      await env.CONFIG.put(name, JSON.stringify({ ...envelope, document: resealed.document }), metadata ? { metadata } : {});
      result.rekeyed += 1;
    }
  }
  if (!listed.list_complete) result.cursor = listed.cursor;
  return result;
}

/** Keeps KV metadata under its size limit by cutting the id lists of the summary. */
function fitMetadata(info: VersionInfo): VersionInfo {
  if (JSON.stringify(info).length <= maxMetadataBytes || !info.summary) return info;
  const cut = (ids: string[]) => ids.slice(0, 3);
  const summary = { ...info.summary, truncated: true };
  for (const kind of configKinds) {
    const k = info.summary[kind];
    if (k) summary[kind] = { added: cut(k.added), removed: cut(k.removed), changed: cut(k.changed) };
  }
  return { ...info, summary };
}

interface CacheEntry {
  config: ActiveConfig;
  fetchedAt: number;
  refreshing?: Promise<void>;
}

/**
 * The isolate keeps the configuration it read for `ttlMs`; after that the first
 * request still gets the cached copy while one background read refreshes it
 * (stale-while-revalidate), so KV is never on a warm request's path. A new version
 * is therefore seen within about `ttlMs` plus one KV read (KV itself may add up to
 * 60 s across locations).
 */
let isolateCache: CacheEntry | undefined;

/** Which stored version an active config came from: version and time, since a KV race can repeat a number. */
const stamps = new WeakMap<ActiveConfig, string>();

/** Reads and opens `config/current`, reusing the cached one (no decrypt, no parse) when it did not change. */
async function fetchActive(env: ConfigEnv, cached: ActiveConfig | undefined): Promise<ActiveConfig> {
  const envelope = await readEnvelope(env.CONFIG, currentKey);
  if (!envelope) return emptyConfig;
  const stamp = `${envelope.version}@${envelope.updatedAt}`;
  if (cached && stamps.get(cached) === stamp) return cached;
  const config = activate(await open(env, envelope));
  stamps.set(config, stamp);
  return config;
}

export async function loadConfig(
  env: ConfigEnv,
  waitUntil: (promise: Promise<unknown>) => void,
  { nowMs = Date.now(), ttlMs = Number(env.CONFIG_CACHE_SECONDS || "5") * 1000 } = {},
): Promise<ActiveConfig> {
  const entry = isolateCache;
  // A cold isolate's first requests share one read.
  if (!entry) return refreshConfig(env, 0, nowMs);
  if (nowMs - entry.fetchedAt > ttlMs && !entry.refreshing) {
    entry.refreshing = fetchActive(env, entry.config)
      .then((config) => {
        isolateCache = { config, fetchedAt: Date.now() };
      })
      .catch((error: unknown) => {
        entry.refreshing = undefined;
        log("warn", "config refresh failed; keeping the cached version", {
          version: entry.config.version,
          error: String(error),
        });
      });
    waitUntil(entry.refreshing);
  }
  return entry.config;
}

/** The re-read in flight in this isolate; every caller that wants one meanwhile waits for it. */
let reloading: Promise<ActiveConfig> | undefined;
/** When the last re-read started, so a failing or slow KV is not asked more than once per `minAgeMs` either. */
let reloadStartedAt = Number.NEGATIVE_INFINITY;

/**
 * Reads KV now unless the cached copy, or the last attempt to refresh it, is
 * younger than `minAgeMs`. The ingest path calls it for a source it does not know,
 * so a newly added source works at once, while a flood of requests for unknown ids
 * costs at most one KV read a second per isolate: concurrent callers share the read
 * in flight (single-flight), and later ones within `minAgeMs` get the cached copy.
 */
export function refreshConfig(env: ConfigEnv, minAgeMs = 1000, nowMs = Date.now()): Promise<ActiveConfig> {
  if (reloading) return reloading;
  const cached = isolateCache;
  if (cached && (nowMs - cached.fetchedAt < minAgeMs || nowMs - reloadStartedAt < minAgeMs)) {
    return Promise.resolve(cached.config);
  }
  reloadStartedAt = nowMs;
  const reload = fetchActive(env, cached?.config)
    .then((config) => {
      isolateCache = { config, fetchedAt: nowMs };
      return config;
    })
    .finally(() => {
      if (reloading === reload) reloading = undefined;
    });
  reloading = reload;
  return reload;
}

/** Forgets the isolate's copy (tests, and after an admin write in this isolate). */
export function clearConfigCache(): void {
  isolateCache = undefined;
  reloading = undefined;
  reloadStartedAt = Number.NEGATIVE_INFINITY;
}
