import type { EventBucket } from "../../db/event-stats";
import type { EventStatus } from "../../db/schema";
import { clock, plural, statusLabel, statusOrder } from "../format";

export interface EventsChartProps {
  buckets: EventBucket[];
  since: number;
  until: number;
  bucketMs: number;
}

const width = 720;
const height = 200;
const left = 36;
const right = 8;
const top = 8;
const bottom = 22;

/** A round upper bound for the y axis: 1, 2, 5, 10, 20, 50, … */
function niceMax(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

function bucketText(bucket: EventBucket): string {
  const parts = statusOrder.flatMap((s) => (bucket.byStatus[s] ? [`${statusLabel(s)} ${bucket.byStatus[s]}`] : []));
  return `${clock(bucket.at)} UTC: ${parts.join(", ")}`;
}

/**
 * Events per bucket by status as stacked bars, rendered on the server as SVG (no
 * script, no library). The numbers are also in a table for screen readers and
 * anyone who wants exact figures.
 */
export function EventsChart({ buckets, since, until, bucketMs }: EventsChartProps) {
  const first = Math.floor(since / bucketMs) * bucketMs;
  const slots = Math.max(1, Math.ceil((until - first) / bucketMs));
  const totals = buckets.map((b) => Object.values(b.byStatus).reduce((sum, n) => sum + (n ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const slotWidth = plotWidth / slots;
  const barWidth = Math.max(1, slotWidth * 0.8);
  const y = (n: number) => top + plotHeight - (n / max) * plotHeight;
  const unit = bucketMs === 60_000 ? "minute" : `${bucketMs / 60_000} minutes`;
  const total = totals.reduce((sum, n) => sum + n, 0);
  const byStatus = new Map<EventStatus, number>();
  for (const bucket of buckets) {
    for (const status of statusOrder) byStatus.set(status, (byStatus.get(status) ?? 0) + (bucket.byStatus[status] ?? 0));
  }
  const ticks = [0, max / 2, max];
  const labels = [first, first + Math.floor(slots / 2) * bucketMs, first + slots * bucketMs];

  return (
    <figure class="chart" aria-labelledby="chart-caption">
      <figcaption id="chart-caption">
        <h2>Events per {unit}, by status</h2>
        <p class="hint">
          {plural(total, "event")} accepted from {clock(since)} to {clock(until)} UTC; the highest bar is {Math.max(0, ...totals)}.
        </p>
      </figcaption>
      {/* Below ~34rem the chart scrolls sideways inside its own region (a chart is exempt from reflow), labels stay legible. */}
      <div class="chart-scroll" tabindex={0} role="group" aria-label="Chart, scrolls sideways on narrow screens">
        <svg
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={`Stacked bar chart: ${plural(total, "event")} by status, one bar per ${unit}.`}
          focusable="false"
        >
          {ticks.map((tick) => (
            <g>
              <line class="grid" x1={left} x2={width - right} y1={y(tick)} y2={y(tick)} />
              <text x={left - 4} y={y(tick) + 4} text-anchor="end">
                {Number.isInteger(tick) ? tick : tick.toFixed(1)}
              </text>
            </g>
          ))}
          <line class="axis" x1={left} x2={width - right} y1={top + plotHeight} y2={top + plotHeight} />
          {buckets.map((bucket) => {
            const slot = Math.floor((bucket.at - first) / bucketMs);
            if (slot < 0 || slot >= slots) return null;
            const x = left + slot * slotWidth + (slotWidth - barWidth) / 2;
            let base = 0;
            return (
              <g>
                <title>{bucketText(bucket)}</title>
                {statusOrder.map((status) => {
                  const n = bucket.byStatus[status] ?? 0;
                  if (n === 0) return null;
                  const rect = (
                    <rect
                      class={`f-${status}`}
                      x={x.toFixed(2)}
                      y={y(base + n).toFixed(2)}
                      width={barWidth.toFixed(2)}
                      height={(y(base) - y(base + n)).toFixed(2)}
                    />
                  );
                  base += n;
                  return rect;
                })}
              </g>
            );
          })}
          {labels.map((at, i) => (
            <text x={left + (i === 0 ? 0 : i === 1 ? plotWidth / 2 : plotWidth)} y={height - 6} text-anchor={i === 0 ? "start" : i === 1 ? "middle" : "end"}>
              {clock(at)}
            </text>
          ))}
        </svg>
      </div>
      <ul class="legend" aria-label="Legend and totals">
        {statusOrder.map((status) => (
          <li>
            <span class={`swatch s-${status}`} aria-hidden="true"></span>
            {statusLabel(status)}: {byStatus.get(status) ?? 0}
          </li>
        ))}
      </ul>
      <details>
        <summary>The chart's figures as a table</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">From (UTC)</th>
                {statusOrder.map((s) => (
                  <th scope="col" class="num">
                    {statusLabel(s)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {buckets.length === 0 ? (
                <tr>
                  <td colspan={statusOrder.length + 1}>No events in this window.</td>
                </tr>
              ) : (
                buckets.map((b) => (
                  <tr>
                    <th scope="row">{clock(b.at)}</th>
                    {statusOrder.map((s) => (
                      <td class="num">{b.byStatus[s] ?? 0}</td>
                    ))}
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
