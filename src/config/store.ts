import { z } from "zod";
import { log } from "../lib/log";
import { configSchema, type GatewayConfig, type GatewayConfigInput, type SourceConfig } from "./schema";

/**
 * The configuration lives in KV under one key, as a validated, versioned document.
 * Only this module reads or writes those keys.
 */
const currentKey = "config/current";

const storedSchema = z.object({
  version: z.number().int().nonnegative(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  document: configSchema,
});
export type StoredConfig = z.infer<typeof storedSchema>;

/** A configuration with lookups built once per load, not per request. */
export interface ActiveConfig {
  version: number;
  document: GatewayConfig;
  sources: ReadonlyMap<string, SourceConfig>;
}

const emptyConfig: ActiveConfig = { version: 0, document: configSchema.parse({}), sources: new Map() };

function activate(stored: StoredConfig | null): ActiveConfig {
  if (!stored) return emptyConfig;
  return {
    version: stored.version,
    document: stored.document,
    sources: new Map(stored.document.sources.map((s) => [s.id, s])),
  };
}

async function readStored(kv: KVNamespace): Promise<StoredConfig | null> {
  const raw = await kv.get(currentKey, "json");
  if (raw === null) return null;
  // Only `writeConfig` writes this key, after validating; a failure here means the
  // key was edited by hand, and keeping the last good config is the safe answer.
  return storedSchema.parse(raw);
}

/** Validates and stores a whole document as the next version. */
export async function writeConfig(
  kv: KVNamespace,
  input: GatewayConfigInput,
  updatedBy = "system",
): Promise<StoredConfig> {
  const document = configSchema.parse(input);
  const previous = await readStored(kv);
  const stored: StoredConfig = {
    version: (previous?.version ?? 0) + 1,
    updatedAt: new Date().toISOString(),
    updatedBy,
    document,
  };
  await kv.put(currentKey, JSON.stringify(stored));
  isolateCache = undefined;
  return stored;
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

export async function loadConfig(
  kv: KVNamespace,
  ttlMs: number,
  waitUntil: (promise: Promise<unknown>) => void,
  nowMs = Date.now(),
): Promise<ActiveConfig> {
  const entry = isolateCache;
  if (!entry) {
    const config = activate(await readStored(kv));
    isolateCache = { config, fetchedAt: nowMs };
    return config;
  }
  if (nowMs - entry.fetchedAt > ttlMs && !entry.refreshing) {
    entry.refreshing = readStored(kv)
      .then((stored) => {
        isolateCache = { config: activate(stored), fetchedAt: Date.now() };
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

/**
 * Reads KV now unless the cached copy is younger than `minAgeMs`. The ingest path
 * calls it for a source it does not know, so a newly added source works at once
 * while a flood of requests for unknown ids costs at most one KV read a second.
 */
export async function refreshConfig(kv: KVNamespace, minAgeMs = 1000, nowMs = Date.now()): Promise<ActiveConfig> {
  if (isolateCache && nowMs - isolateCache.fetchedAt < minAgeMs) return isolateCache.config;
  const config = activate(await readStored(kv));
  isolateCache = { config, fetchedAt: nowMs };
  return config;
}

/** Forgets the isolate's copy (tests, and after an admin write in this isolate). */
export function clearConfigCache(): void {
  isolateCache = undefined;
}
