/**
 * What one lookup (an HTTP endpoint, a HubSpot company search) came back with,
 * before the enrichment's `fields` are applied. Never an exception.
 */
export type LookupAnswer =
  /** `answer`: the JSON the `fields` expressions run over. */
  | { kind: "found"; answer: unknown }
  /** The lookup worked and knows nothing about the key: cached like an answer. */
  | { kind: "not_found" }
  /** Timeout, network error, refused URL, an error status, an unreadable answer: never cached. */
  | { kind: "failed"; error: string };
