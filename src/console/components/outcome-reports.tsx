import type { OutcomeTrace, ReportTrace } from "../../outcomes/trace";
import { dateTime } from "../format";
import { EventLink } from "./event-link";
import { StatusBadge } from "./status-badge";

const matchWords: Record<string, string> = {
  lead_id: "lead id",
  event_id: "event id",
  crm_record_id: "CRM record id",
  email: "email",
};

function MatchCell({ report }: { report: ReportTrace }) {
  if (!report.match) return <>{report.reason ?? "–"}</>;
  const { by, value, destinationId } = report.match;
  return (
    <>
      by {matchWords[by] ?? by} <span class="mono">{value}</span>
      {destinationId ? ` (delivery to ${destinationId})` : ""}
      {report.tried.length > 0 ? <span class="hint"> after: {report.tried.join("; ")}</span> : null}
    </>
  );
}

function CreditCell({ report }: { report: ReportTrace }) {
  if (!report.creditedEventId) return <>–</>;
  return (
    <>
      <EventLink id={report.creditedEventId} /> route {report.routeId ?? "–"}
      {report.arm ? `, arm ${report.arm}` : ""}
      {report.ownerId ? `, owner ${report.ownerId}` : ""}
      {report.result === "already_recorded" && report.firstReportedBy ? (
        <>
          {" "}
          (first reported by <EventLink id={report.firstReportedBy} />)
        </>
      ) : null}
    </>
  );
}

/** An outcome source's event: each report, what it was matched by and which routed event it credits. */
export function OutcomeReports({ trace }: { trace: OutcomeTrace }) {
  return (
    <>
      {trace.error ? (
        <p>
          Could not be read as {trace.format}: {trace.error}
        </p>
      ) : null}
      {trace.reports.length > 0 ? (
        <div class="table-wrap">
          <table class="stack">
            <caption>Outcomes reported ({trace.format})</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  #
                </th>
                <th scope="col">Read</th>
                <th scope="col">Outcome</th>
                <th scope="col">When</th>
                <th scope="col">Result</th>
                <th scope="col">Matched</th>
                <th scope="col">Credited to</th>
              </tr>
            </thead>
            <tbody>
              {trace.reports.map((report) => (
                <tr class={report.result === "unmatched" ? "dead" : undefined}>
                  <td data-label="#" class="num">
                    {report.item + 1}
                  </td>
                  <td data-label="Read">{report.read}</td>
                  <td data-label="Outcome">{report.outcome.replaceAll("_", " ")}</td>
                  <td data-label="When">
                    {dateTime(report.occurredAt)}
                    {report.occurredAtFrom === "received" ? " (received)" : ""}
                  </td>
                  <td data-label="Result">
                    <StatusBadge status={report.result} />
                  </td>
                  <td data-label="Matched">
                    <MatchCell report={report} />
                  </td>
                  <td data-label="Credited to">
                    <CreditCell report={report} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : trace.error ? null : (
        <p>No outcome in this payload.</p>
      )}
      {trace.skipped.length > 0 ? (
        <details>
          <summary>Items without an outcome ({trace.skipped.length})</summary>
          <ul>
            {trace.skipped.map((s) => (
              <li>
                #{s.item + 1} {s.kind}: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}
