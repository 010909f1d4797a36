import { ChatKit, useChatKit } from "@openai/chatkit-react";

// The service's native ChatKit endpoint. Relative: `npm run dev` proxies /api to the service (vite.config.ts), so the
// widget and the API share an origin and no CORS set-up is needed. From another origin, list it in CORS_ORIGINS.
const API_URL = import.meta.env.VITE_CHATKIT_API_URL ?? "/api/v1/chatkit";

// Checked only by OpenAI's hosted mode and the widget's own domain check; register your domain with OpenAI for a real key.
const DOMAIN_KEY = import.meta.env.VITE_CHATKIT_DOMAIN_KEY ?? "local-dev";

export function Assistant({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const { control } = useChatKit({
    api: {
      url: API_URL,
      domainKey: DOMAIN_KEY,
      // The widget's requests carry the bearer token; the service answers 401 (UNAUTHORIZED) without it.
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...Object.fromEntries(new Headers(init?.headers).entries()), Authorization: `Bearer ${token}` },
        }),
    },
    startScreen: {
      greeting: "What should I keep track of?",
      prompts: [
        { label: "Add a task", prompt: "Add a task: buy milk, high priority, tagged home" },
        { label: "What's open?", prompt: "List my open tasks" },
      ],
    },
    onError: ({ error }) => console.error("ChatKit:", error),
  });

  return (
    <div style={{ display: "flex", flexDirection: "column", alignItems: "center", gap: 8, padding: 16 }}>
      <ChatKit control={control} style={{ height: 640, width: 420 }} />
      <button onClick={onSignOut}>Sign out</button>
    </div>
  );
}
