import type { Database } from "../db/client";
import { type CachedEnrichment, readCachedEnrichment, writeCachedEnrichment } from "../db/enrichment-cache";
import { errorMessage, log } from "../lib/log";

export interface CacheIo {
  /** The unexpired row, or undefined (also when the cache cannot be read: then the caller looks up). */
  read(scope: string, key: string): Promise<CachedEnrichment | undefined>;
  /** Stores an answer (`null`: nothing found) for `seconds`; a failed write is logged, never thrown. */
  write(scope: string, key: string, fields: Record<string, unknown> | null, seconds: number): Promise<void>;
}

/**
 * The lookup cache as routing uses it: a help, never a dependency. A cache that
 * cannot be read means a lookup, one that cannot be written still returns what was
 * fetched; `writeCache: false` (the simulator) never writes.
 */
export function createCacheIo(db: Database, options: { writeCache: boolean; now: () => number }): CacheIo {
  return {
    async read(scope, key) {
      try {
        return await readCachedEnrichment(db, scope, key, options.now());
      } catch (error) {
        log("warn", "enrichment cache read failed; looking up instead", { scope, error: errorMessage(error) });
        return undefined;
      }
    },
    async write(scope, key, fields, seconds) {
      if (!options.writeCache) return;
      const fetchedAt = options.now();
      try {
        await writeCachedEnrichment(db, { scope, key, fields, fetchedAt, expiresAt: fetchedAt + seconds * 1000 });
      } catch (error) {
        log("warn", "enrichment cache write failed; the answer is used uncached", { scope, error: errorMessage(error) });
      }
    },
  };
}
