import { Layout } from "../components/layout";
import { href } from "../env";

export interface LoginProps {
  /** Where to go after signing in (already checked by `safeNext`). */
  next: string;
  /** The double-submit value, also set as the login cookie. */
  nonce: string;
  error?: string;
}

/** The sign-in form: the admin token (or the read-only one), posted once, never stored in the browser. */
export function LoginPage({ next, nonce, error }: LoginProps) {
  return (
    <Layout title="Sign in">
      <div class="login panel">
        <h1>Sign in to the console</h1>
        {error ? (
          <p class="error" role="alert" id="login-error">
            {error}
          </p>
        ) : null}
        <form method="post" action={href("/login")}>
          <input type="hidden" name="login_nonce" value={nonce} />
          <input type="hidden" name="next" value={next} />
          <p>
            <label for="token">Admin token</label>
            <input
              id="token"
              name="token"
              type="password"
              autocomplete="current-password"
              required
              autofocus
              aria-describedby={error ? "token-hint login-error" : "token-hint"}
            />
          </p>
          <p class="hint" id="token-hint">
            <code>ADMIN_TOKEN</code>, or <code>ADMIN_READ_TOKEN</code> to look without changing anything. The console keeps a signed session cookie for 8 hours,
            not the token.
          </p>
          <button type="submit">Sign in</button>
        </form>
      </div>
    </Layout>
  );
}
