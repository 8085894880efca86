import type { JobView } from "../../admin/bulk-retry";
import { Layout } from "../components/layout";
import { PostButton } from "../components/post-button";
import { StatusBadge } from "../components/status-badge";
import { href } from "../env";
import { dateTime } from "../format";
import type { Session } from "../session";

const notices: Record<string, string> = {
  started: "The retry started: it re-queues a chunk of deliveries per step.",
  cancelled: "The retry was cancelled: what it re-queued stays re-queued, nothing more is.",
};

/** A bulk retry job's progress (reloading itself while it runs), with Cancel. */
export function JobPage({ job, session, notice }: { job: JobView; session: Session; notice?: string }) {
  const running = job.status === "running";
  const reached = job.requeued + job.skipped;
  const noticeText = notice ? notices[notice] : undefined;
  const filter = job.filter;
  return (
    <Layout title={`Retry ${job.id}`} session={session} active="overview" refreshSeconds={running ? 2 : undefined}>
      <h1>
        Retry job <span class="mono id">{job.id}</span>
      </h1>
      {noticeText ? (
        <p class="notice" role="status">
          {noticeText}
        </p>
      ) : null}
      <dl class="cards">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={job.status} />
          </dd>
        </div>
        <div>
          <dt>Re-queued</dt>
          <dd>
            {job.requeued}
            <small>
              of {job.matchedAtLeast ? "more than " : ""}
              {job.matched} matched
            </small>
          </dd>
        </div>
        <div>
          <dt>Skipped</dt>
          <dd>
            {job.skipped}
            <small>changed before the job reached them</small>
          </dd>
        </div>
      </dl>
      <p>
        <label for="job-progress">Progress</label>{" "}
        <progress id="job-progress" max={Math.max(job.matched, reached, 1)} value={running ? reached : Math.max(job.matched, reached, 1)}>
          {`${reached} of ${job.matched}`}
        </progress>
      </p>
      <section class="card" aria-labelledby="filter-heading">
        <h2 id="filter-heading">Filter</h2>
        <dl>
          <dt>Status</dt>
          <dd>{filter.status.join(", ")}</dd>
          <dt>Destination</dt>
          <dd>{filter.destination ?? "any"}</dd>
          <dt>Last error contains</dt>
          <dd>{filter.error ?? "anything"}</dd>
          <dt>Failed</dt>
          <dd>
            {filter.from ? `from ${dateTime(Date.parse(filter.from))} ` : ""}
            {filter.to ? `before ${dateTime(Date.parse(filter.to))}` : ""}
            {!filter.from && !filter.to ? "any time" : ""}
          </dd>
          <dt>Started</dt>
          <dd>{dateTime(Date.parse(job.createdAt))}</dd>
          {job.finishedAt ? (
            <>
              <dt>Finished</dt>
              <dd>{dateTime(Date.parse(job.finishedAt))}</dd>
            </>
          ) : null}
          {job.error ? (
            <>
              <dt>Last error</dt>
              <dd>{job.error}</dd>
            </>
          ) : null}
        </dl>
      </section>
      {running && session.role === "admin" ? (
        <PostButton action={href(`/jobs/${encodeURIComponent(job.id)}/cancel`)} csrf={session.csrf} label="Cancel" variant="danger" />
      ) : null}
      <p>
        <a href={href("/retry")}>Retry other deliveries</a>
      </p>
    </Layout>
  );
}
