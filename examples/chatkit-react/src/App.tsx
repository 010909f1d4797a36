import { useState, type FormEvent } from "react";
import { Assistant } from "./Assistant";

// The token stays in this tab only. In Development the service hands one out (POST /api/v1/dev/token);
// elsewhere it comes from your own sign-in, or `./build.sh token alice`.
export function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem("chatkit.token") ?? "");
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);

  const use = (value: string) => {
    sessionStorage.setItem("chatkit.token", value);
    setToken(value);
  };

  const developmentToken = async () => {
    setError(null);
    const res = await fetch("/api/v1/dev/token?sub=developer", { method: "POST" });
    const body = (await res.json().catch(() => null)) as
      | { success: true; data: { token: string } }
      | { success: false; error: { code: string; message: string } }
      | null;
    if (body?.success) use(body.data.token);
    else setError(body ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  };

  if (token) return <Assistant token={token} onSignOut={() => use("")} />;

  return (
    <main style={{ maxWidth: 560, margin: "4rem auto", fontFamily: "system-ui, sans-serif" }}>
      <h1>ChatKit widget</h1>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          use(draft.trim());
        }}
      >
        <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="paste a JWT" style={{ width: "70%" }} />
        <button type="submit" disabled={!draft.trim()}>Use token</button>
      </form>
      <p>
        or <button onClick={developmentToken}>get a development token</button> (the service must run in Development)
      </p>
      {error && <p role="alert">{error}</p>}
    </main>
  );
}
