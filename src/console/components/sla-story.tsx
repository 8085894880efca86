import type { PresentedSla } from "../../admin/present";
import { dateTime } from "../format";

const kindWords: Record<PresentedSla["history"][number]["kind"], string> = {
  started: "Clock started",
  met: "Met",
  missed: "Missed",
  reassigned: "Reassigned",
  escalated: "Escalated",
  notified: "Notified",
  stopped: "Stopped",
};

function summary(sla: PresentedSla): string {
  const until = sla.until.replaceAll("_", " ");
  switch (sla.status) {
    case "running":
      return `Waiting for ${until} (or a later outcome) from owner ${sla.ownerId} by ${dateTime(Date.parse(sla.dueAt))}; if it does not come, the lead is ${sla.then === "reassign" ? "reassigned" : "escalated"}.`;
    case "met":
      return `Met: owner ${sla.ownerId} reported ${until} in time.`;
    case "reassigned":
      return `Missed ${sla.reassignments === 1 ? "once" : `${sla.reassignments} times`}: the lead now belongs to ${sla.ownerId}.`;
    case "escalated":
      return `Missed and escalated: owner ${sla.ownerId} keeps the lead.`;
    case "stopped":
      return "Stopped before its deadline.";
  }
}

/**
 * An SLA told as part of the event's story: what it waits for, then every start,
 * stop, miss, reassignment and notification in order, each with its owner.
 */
export function SlaStory({ sla }: { sla: PresentedSla }) {
  return (
    <>
      <p>
        <span class={`badge s-sla-${sla.status}`}>SLA {sla.status}</span> {summary(sla)}
      </p>
      <ol class="sla-history">
        {sla.history.map((entry) => (
          <li class={`sla-${entry.kind}`}>
            <strong>{kindWords[entry.kind]}</strong> {dateTime(Date.parse(entry.at))}
            {entry.ownerId ? ` (owner ${entry.ownerId})` : ""}: {entry.note}
          </li>
        ))}
      </ol>
    </>
  );
}
