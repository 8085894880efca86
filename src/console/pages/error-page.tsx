import { Layout } from "../components/layout";
import { href } from "../env";
import type { Session } from "../session";

/** Any refusal or failure, as a page: what happened and a way back. */
export function ErrorPage({ status, title, detail, session }: { status: number; title: string; detail: string; session?: Session }) {
  return (
    <Layout title={title} session={session}>
      <h1>{title}</h1>
      <p class="error" role="alert">
        {detail}
      </p>
      <p class="hint">HTTP status {status}.</p>
      <p>
        <a href={href("")}>Back to the overview</a>
      </p>
    </Layout>
  );
}
