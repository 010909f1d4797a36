import { ChatKit, useChatKit } from "@openai/chatkit-react";
import type { ChatKitIcon, Entity } from "@openai/chatkit-react";
import { useCallback, useEffect, useRef, useState } from "react";

// The service's native ChatKit endpoint. Relative: `npm run dev` proxies /api to the service (vite.config.ts), so the
// widget and the API share an origin and no CORS set-up is needed. From another origin, list it in CORS_ORIGINS.
const API_URL = import.meta.env.VITE_CHATKIT_API_URL ?? "/api/v1/chatkit";

// Checked only by OpenAI's hosted mode and the widget's own domain check; register your domain with OpenAI for a real key.
const DOMAIN_KEY = import.meta.env.VITE_CHATKIT_DOMAIN_KEY ?? "local-dev";

// The REST tasks API beside the chat, on the same origin (the dev server proxies /api).
const TASKS_URL = import.meta.env.VITE_CHATKIT_TASKS_URL ?? "/api/v1/tasks";
const COMPOSER_URL = `${API_URL}/composer`;

type Task = { id: string; title: string; completed: boolean; priority: string };

// What the service offers the composer (GET /api/v1/chatkit/composer): its MODELS and the assistant's tools.
type Composer = {
  models: { id: string; label: string; default: boolean }[];
  tools: { id: string; label: string; icon: ChatKitIcon }[];
};

export function Assistant({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const [tasks, setTasks] = useState<Task[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // Read when the model asks: ChatKit keeps its options stable between renders, so the handler reads the latest through a ref.
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const [composer, setComposer] = useState<Composer>({ models: [], tools: [] });
  const authorized = useCallback((input: string) => fetch(input, { headers: { Authorization: `Bearer ${token}` } }), [token]);

  // The page's own task list: loaded once, then refreshed whenever the assistant or a widget click changes a task.
  const refreshTasks = useCallback(async () => {
    const response = await fetch(TASKS_URL, { headers: { Authorization: `Bearer ${token}` } });
    if (response.ok) {
      const body = (await response.json()) as { data: Task[] };
      setTasks(body.data);
    }
  }, [token]);

  useEffect(() => {
    void refreshTasks();
    void authorized(COMPOSER_URL).then(async (response) => {
      if (response.ok) setComposer((await response.json()) as Composer);
    });
  }, [refreshTasks, authorized]);

  // @-mentions of the user's tasks: the REST search, each task a tag whose id reaches the model.
  const searchTasks = useCallback(
    async (query: string): Promise<Entity[]> => {
      const response = await authorized(`${TASKS_URL}?q=${encodeURIComponent(query)}&limit=10`);
      if (!response.ok) return [];
      const body = (await response.json()) as { data: Task[] };
      return body.data.map((t) => ({ id: t.id, title: t.title, group: "Tasks", interactive: true, data: { task_id: t.id } }));
    },
    [authorized],
  );

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
      // attachments.create answers a signed upload link; ChatKit PUTs the bytes there (no token needed).
      uploadStrategy: { type: "two_phase" },
    },
    startScreen: {
      greeting: "What should I keep track of?",
      prompts: [
        { label: "Add a task", prompt: "Add a task: buy milk, high priority, tagged home" },
        { label: "What's open?", prompt: "List my open tasks" },
      ],
    },
    composer: {
      models: composer.models,
      tools: composer.tools,
      // The service's defaults (ATTACHMENT_MAX_BYTES, ATTACHMENTS_PER_MESSAGE, ATTACHMENT_TYPES): a screenshot or a text file.
      attachments: {
        enabled: true,
        maxSize: 10 * 1024 * 1024,
        maxCount: 4,
        accept: {
          "image/*": [".png", ".jpg", ".jpeg", ".webp", ".gif"],
          "text/*": [".txt", ".md", ".csv"],
          "application/json": [".json"],
          "application/pdf": [".pdf"],
        },
      },
    },
    // The service's client tool (CLIENT_TOOLS=get_selected_tasks): the tasks ticked in the host page's list.
    onClientTool: ({ name }) => {
      if (name === "get_selected_tasks") return { task_ids: [...selectedRef.current] };
      throw new Error(`unknown client tool ${name}`);
    },
    entities: { onTagSearch: searchTasks },
    // tasks.changed {task_id, change} follows every tool call and every widget click that changed a task.
    onEffect: ({ name }) => {
      if (name === "tasks.changed") void refreshTasks();
    },
    widgets: {
      // The tasks widget's buttons are server-handled: ChatKit sends them to threads.custom_action itself, and the
      // service answers with the updated widget. This hook sees every click as well (for analytics, navigation…).
      onAction: async (action, widgetItem) => {
        console.debug("widget action", action.type, action.payload, widgetItem.id);
      },
    },
    onError: ({ error }) => console.error("ChatKit:", error),
  });

  return (
    <div style={{ display: "flex", flexDirection: "column", alignItems: "center", gap: 8, padding: 16 }}>
      <div style={{ display: "flex", gap: 16 }}>
        <ChatKit control={control} style={{ height: 640, width: 420 }} />
        <ul aria-label="Your tasks" style={{ width: 240, listStyle: "none", padding: 0 }}>
          {tasks.map((t) => (
            <li key={t.id} style={{ textDecoration: t.completed ? "line-through" : "none" }}>
              <label>
                <input
                  type="checkbox"
                  checked={selected.has(t.id)}
                  onChange={(e) => {
                    const next = new Set(selected);
                    if (e.target.checked) next.add(t.id);
                    else next.delete(t.id);
                    setSelected(next);
                  }}
                />{" "}
                {t.title} <small>({t.priority})</small>
              </label>
            </li>
          ))}
        </ul>
      </div>
      <button onClick={onSignOut}>Sign out</button>
    </div>
  );
}
