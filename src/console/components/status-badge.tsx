import { statusLabel } from "../format";

/** An event, delivery or attempt status; the word is always there, colour only adds to it. */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge s-${status}`}>{statusLabel(status)}</span>;
}
