import type { SourceConfig } from "../config/schema";

/**
 * Which Durable Object accepts an event. A source is one object unless it sets
 * `shards`; then events spread over that many by their dedup key, so a redelivery
 * always meets its original in the same object (keys without dedup spread at
 * random). Each shard enforces its share of the source's rate.
 */
export function inboxNameFor(source: SourceConfig, dedupKey: string | null): string {
  if (source.shards <= 1) return source.id;
  const key = dedupKey ?? crypto.randomUUID();
  return `${source.id}#${fnv1a(key) % source.shards}`;
}

/** Every inbox of a source (the sweeper nudges them all). */
export function inboxNamesOf(source: SourceConfig): string[] {
  if (source.shards <= 1) return [source.id];
  return Array.from({ length: source.shards }, (_, i) => `${source.id}#${i}`);
}

/** The rate one shard enforces, so that all shards together allow the source's rate. */
export function shardRate(source: SourceConfig): { perSecond: number; burst: number } {
  const { perSecond, burst } = source.rate;
  if (source.shards <= 1) return source.rate;
  return { perSecond: perSecond / source.shards, burst: Math.max(1, Math.ceil(burst / source.shards)) };
}

/** 32-bit FNV-1a: fast, stable across isolates, spreads short keys well enough. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
