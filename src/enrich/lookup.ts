import type { Enrich } from "./types";

/**
 * The enrichment lookups routing uses. `writeCache: false` and `callLookups: false`
 * give the simulator's read-only version (cache hits only).
 */
export function createEnricher(env: Env, options: { writeCache: boolean; callLookups: boolean }): Enrich {
  void env;
  void options;
  return async () => ({ outcome: "failed", error: "enrichment lookups are not built yet" });
}
