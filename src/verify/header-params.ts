/** What a `t=…,v1=…`-style header yields once a provider has applied its own rules. */
export interface TimestampedSignatures {
  /** The signed timestamp exactly as sent: its text, not a re-rendered number, is signed. */
  timestamp: string;
  /** Every candidate signature; any one may match (one is sent per active secret). */
  signatures: readonly string[];
}

/** The `key=value` items of a signature header such as Stripe's `t=…,v1=…` or Paddle's `ts=…;h1=…`. */
export interface HeaderParams {
  /**
   * Whether some item had no `key=` part. Calendly and Paddle refuse such a header;
   * Stripe's SDK skips the item, so each provider decides.
   */
  readonly malformed: boolean;
  /** Every value given for `key`, in header order; empty when the key is absent. */
  all(key: string): readonly string[];
  /**
   * The value of a key given exactly once; undefined when absent or repeated, since two
   * timestamps would leave it ambiguous which one was signed.
   */
  single(key: string): string | undefined;
}

/**
 * Splits a header into `key=value` items on `separator`, trimming keys and values. A key
 * may repeat (providers send one signature per active secret while one is rotated), so
 * every value is kept; unknown keys are kept too and simply never asked for, so a
 * future scheme version (`v2`, `h2`) does not break parsing.
 */
export function parseHeaderParams(header: string, separator: string): HeaderParams {
  const values = new Map<string, string[]>();
  let malformed = false;
  for (const item of header.split(separator)) {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      malformed = true;
      continue;
    }
    const key = item.slice(0, eq).trim();
    const list = values.get(key) ?? [];
    list.push(item.slice(eq + 1).trim());
    values.set(key, list);
  }
  return {
    malformed,
    all: (key) => values.get(key) ?? [],
    single(key) {
      const list = values.get(key);
      return list?.length === 1 ? list[0] : undefined;
    },
  };
}
