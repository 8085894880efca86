import { errorMessage } from "../lib/log";
import { type RawQuery, runQueries } from "./json-rows";

/** Why one item's write did not happen. */
export interface WriteFailure {
  error: string;
  /** D1 refuses this write the same way every time (a row over its size limit): retrying cannot help. */
  permanent: boolean;
}

/** D1 refuses the same write every time (a row over 2 MB). */
function isPermanentWriteError(message: string): boolean {
  return /SQLITE_TOOBIG|too big/i.test(message);
}

/** D1 itself failed, whatever the rows: writing them in parts would fail the same way. */
function isTransientWriteError(message: string): boolean {
  return /Network connection lost|SQLITE_BUSY|overloaded|timed? ?out|unavailable|reset/i.test(message);
}

/** D1 batches one call may spend finding the items D1 refuses (a subrequest each). */
const maxWrites = 32;

/**
 * Writes every item's queries in one D1 batch (one round trip, one transaction).
 * If that write fails, the items are halved and each half written on its own, down
 * to single items, so the few that D1 refuses are found in a few round trips and the
 * others are stored: one item never holds the rest back. When D1 itself is failing
 * (a lost connection, busy) nothing is split, as every part would fail too.
 *
 * Returns the items not written, by their index in `items`. `onSplit` is told once,
 * when the first write fails and the items are split.
 */
export async function writeInParts<T>(
  d1: D1Database,
  items: readonly T[],
  queriesOf: (items: T[]) => RawQuery[],
  onSplit?: (error: string) => void,
): Promise<Map<number, WriteFailure>> {
  const failures = new Map<number, WriteFailure>();
  let writes = 0;
  const write = async (indices: number[]): Promise<void> => {
    writes += 1;
    try {
      await runQueries(d1, queriesOf(indices.map((i) => items[i] as T)));
    } catch (error) {
      const message = errorMessage(error);
      if (indices.length === 1 || isTransientWriteError(message) || writes >= maxWrites) {
        const permanent = indices.length === 1 && isPermanentWriteError(message);
        for (const i of indices) failures.set(i, { error: message, permanent });
        return;
      }
      if (indices.length === items.length) onSplit?.(message);
      const half = Math.ceil(indices.length / 2);
      await write(indices.slice(0, half));
      await write(indices.slice(half));
    }
  };
  if (items.length > 0) await write(items.map((_, i) => i));
  return failures;
}
