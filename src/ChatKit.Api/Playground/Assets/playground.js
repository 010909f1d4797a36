// ChatKit playground: the REST API and the run stream from a browser, with nothing but fetch.
// It doubles as the reference client: EventSource cannot POST, so the stream is read from fetch's body,
// runs are sent with "background": true so a reload can reattach (GET /sessions/{id} → active_run → resume),
// and Stop uses the cancel endpoint. All text goes into the page with textContent, never as HTML.

const API = "/api/v1/chatkit";
const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem("chatkit.playground.token") ?? "",
  session: null, // the selected session's id
  run: null, // the id of the run this page follows
  stopping: false,
  follow: null, // AbortController of the stream this page reads
  items: new Map(), // item id → { el, type, text, tasks }
  toolTasks: new Map(), // tool_call_id → its task in a stored step
  mentions: [], // tasks @-mentioned in the next message: { id, title }
  selected: new Set(), // task ids ticked in the task list (the get_selected_tasks client tool answers with them)
  pendingTool: null, // a client tool call the run that just ended waits on
  attachments: [], // files uploaded for the next message: ChatKit Attachment objects
  editing: null, // the user message the next send replaces (POST …/messages/{id}/edit starts a branch)
  reloadAfterRun: false, // an edit's run ended: show the session's active branch as stored
};

class ApiError extends Error {
  constructor(status, error) {
    super(`${status} ${error?.code ?? "ERROR"}: ${error?.message ?? "the request failed"}`);
    this.status = status;
    this.code = error?.code;
  }
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${state.token}`, Accept: "application/json, text/event-stream", ...extra };
}

// One JSON call: the success envelope's data (and meta), or an ApiError built from the error envelope.
async function api(method, path, body) {
  const init = { method, headers: headers() };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const json = await res.json().catch(() => null);
  if (!res.ok || !json?.success) throw new ApiError(res.status, json?.error);
  return json;
}

function status(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function fail(err) {
  status(err instanceof ApiError ? err.message : `Network error: ${err.message}`, true);
}

// ---- authentication -------------------------------------------------------------------------

async function useToken(token) {
  state.token = token.trim();
  sessionStorage.setItem("chatkit.playground.token", state.token);
  $("token").value = state.token;
  try {
    await refreshSessions();
    await refreshTasks();
    await loadComposer();
    for (const id of ["new-session", "refresh-tasks", "search"]) $(id).disabled = false;
    status("Signed in. Create a session or pick one.");
    const wanted = location.hash.slice(1);
    if (wanted) await selectSession(wanted);
  } catch (err) {
    fail(err);
  }
}

async function developmentToken() {
  const sub = $("dev-sub").value.trim();
  try {
    const res = await fetch(`/api/v1/dev/token?sub=${encodeURIComponent(sub)}`, { method: "POST" });
    if (res.status === 404) throw new Error("no development token endpoint: the service is not in Development. Paste a token.");
    const json = await res.json();
    if (!json.success) throw new ApiError(res.status, json.error);
    await useToken(json.data.token);
  } catch (err) {
    fail(err);
  }
}

// ---- sessions ---------------------------------------------------------------------------------

async function refreshSessions() {
  const { data, meta } = await api("GET", `${API}/sessions?limit=100`);
  const list = $("sessions");
  list.replaceChildren(...data.map((s) => {
    const li = document.createElement("li");
    li.dataset.id = s.id;
    li.textContent = s.title;
    li.title = `${s.message_count} messages · ${s.id}`;
    li.classList.toggle("selected", s.id === state.session);
    li.addEventListener("click", () => selectSession(s.id).catch(fail));
    return li;
  }));
  list.dataset.total = meta?.total ?? data.length;
}

async function createSession() {
  try {
    const { data } = await api("POST", `${API}/sessions`, {});
    await refreshSessions();
    await selectSession(data.id);
  } catch (err) {
    fail(err);
  }
}

async function renameSession() {
  try {
    const { data } = await api("PATCH", `${API}/sessions/${state.session}`, { title: $("title").value });
    $("title").value = data.title;
    await refreshSessions();
    status(`Renamed to “${data.title}”.`);
  } catch (err) {
    fail(err);
  }
}

async function deleteSession() {
  const id = state.session;
  try {
    await api("DELETE", `${API}/sessions/${id}`);
    detach();
    state.session = null;
    history.replaceState(null, "", location.pathname);
    $("items").replaceChildren();
    $("title").value = "";
    enableChat(false);
    await refreshSessions();
    status("Session deleted, with its messages.");
  } catch (err) {
    fail(err);
  }
}

async function selectSession(id) {
  detach();
  state.session = id;
  history.replaceState(null, "", `#${id}`);
  const { data } = await api("GET", `${API}/sessions/${id}?limit=100`);
  for (const li of $("sessions").children) li.classList.toggle("selected", li.dataset.id === id);
  $("title").value = data.title;
  renderStored(data.messages);
  await renderStoredWidgets(id);
  enableChat(true);
  if (data.active_run) {
    // A run is still going (this page was reloaded, or the run was started elsewhere): replay it from its first
    // event, then follow it live. Replayed items replace the stored ones with the same id.
    const res = await fetch(`${API}/sessions/${id}/runs/${data.active_run.id}/events`, { headers: headers(), signal: attach() });
    if (res.ok) return follow(id, res, data.active_run.id, "Reattached to");
  }
  status(`${data.title}: ${data.message_count} messages.`);
}

function enableChat(on) {
  for (const id of ["title", "rename", "delete", "message", "send", "attach"]) $(id).disabled = !on;
  $("stop").disabled = true;
}

// ---- the conversation -----------------------------------------------------------------------

function renderStored(messages) {
  state.items.clear();
  state.toolTasks.clear();
  $("items").replaceChildren();
  for (const m of messages) {
    const text = m.content.map((c) => c.text).join("\n");
    if (m.role === "user") {
      const entry = upsert({ id: m.id, type: "user_message" }).setParts(m.content, m.attachments);
      entry.el.append(editButton(m, text));
      if (m.branch) entry.el.append(branchSwitcher(m.branch));
    }
    if (m.role === "assistant") {
      if (text) {
        const entry = upsert({ id: m.id, type: "assistant_message" }, m.status).setText(text);
        if (m.branch) entry.el.append(branchSwitcher(m.branch));
      }
      if (m.tool_calls) {
        const wf = upsert({ id: `wf_${m.id}`, type: "workflow" });
        wf.tasks = m.tool_calls.map((c) => ({ title: storedCallTitle(c.function), status_indicator: "loading", call: c.id }));
        wf.tasks.forEach((t) => state.toolTasks.set(t.call, { wf, t }));
        wf.render();
      }
    }
    if (m.role === "tool") {
      const found = state.toolTasks.get(m.tool_call_id);
      if (found) {
        Object.assign(found.t, { content: storedResultText(text), status_indicator: "complete" });
        found.wf.render();
      }
    }
  }
}

// "‹ 2/3 ›" on a message that has siblings (an edit or a retry kept the others): each arrow shows that sibling's branch.
function branchSwitcher({ index, count, sibling_ids: ids }) {
  const span = document.createElement("span");
  span.className = "branch";
  const arrow = (label, to, name) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.title = name;
    button.setAttribute("aria-label", name);
    button.disabled = to < 0 || to >= count;
    button.addEventListener("click", () => activateBranch(ids[to]).catch(fail));
    return button;
  };
  const where = document.createElement("span");
  where.textContent = `${index + 1}/${count}`;
  span.append(arrow("‹", index - 1, "Previous version"), where, arrow("›", index + 1, "Next version"));
  return span;
}

// The session shows (and its prompt holds) the branch through that message from now on.
async function activateBranch(messageId) {
  if (state.run) throw new Error("a reply is still streaming: switch versions when it ends");
  const { data } = await api("POST", `${API}/sessions/${state.session}/messages/${messageId}/activate`);
  renderStored(data.messages);
  await renderStoredWidgets(state.session);
  status(`Showing another version: ${data.message_count} messages on this branch.`);
}

// "Edit" on a user message: its text goes to the composer, and the next send replaces it as a new branch.
function editButton(message, text) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "edit";
  button.textContent = "Edit";
  button.title = "Edit this message (the old version and its answer are kept)";
  button.addEventListener("click", () => {
    state.editing = message.id;
    $("message").value = message.content.filter((c) => c.type === "input_text").map((c) => c.text).join("") || text;
    $("message").focus();
    status("Editing a message: Send starts a new version from here; the old one stays.");
  });
  return button;
}

// ---- search ---------------------------------------------------------------------------------

// A snippet as the API sends it: HTML with <mark> around matches and everything else escaped. Rebuilt as text nodes and
// <mark> elements (never innerHTML), so nothing a message says can become markup here either.
function snippetNodes(html) {
  const unescape = (s) => s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e]);
  const nodes = [];
  let marked = false;
  for (const part of html.split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") marked = true;
    else if (part === "</mark>") marked = false;
    else if (part) {
      const text = document.createTextNode(unescape(part));
      if (marked) {
        const mark = document.createElement("mark");
        mark.append(text);
        nodes.push(mark);
      } else nodes.push(text);
    }
  }
  return nodes;
}

async function search(q) {
  const results = $("search-results");
  if (!q.trim()) {
    results.replaceChildren();
    return;
  }
  const { data } = await api("GET", `${API}/search?limit=20&q=${encodeURIComponent(q)}`);
  results.replaceChildren(...data.map((hit) => {
    const li = document.createElement("li");
    li.dataset.id = hit.id;
    const title = document.createElement("strong");
    title.textContent = hit.type === "task" ? `Task: ${hit.title}` : hit.session_title;
    const snippet = document.createElement("p");
    snippet.className = "snippet";
    snippet.append(...snippetNodes(hit.snippet));
    li.append(title, snippet);
    if (hit.type === "message") li.addEventListener("click", () => openHit(hit).catch(fail));
    return li;
  }));
  status(data.length ? `${data.length} messages match “${q}”.` : `Nothing matches “${q}”.`);
}

// Opens the hit's session and shows the message; one on a version not shown brings that version back.
async function openHit(hit) {
  await selectSession(hit.session_id);
  if (!state.items.has(hit.id)) await activateBranch(hit.id);
  const entry = state.items.get(hit.id);
  entry?.el.classList.add("found");
  entry?.el.scrollIntoView({ block: "center" });
}

// The REST messages carry no widgets: the native items do. Each goes after its step's workflow.
async function renderStoredWidgets(threadId) {
  const page = await chatkit("items.list", { thread_id: threadId, limit: 100, order: "asc" });
  for (const item of page.data.filter((i) => i.type === "widget")) {
    const workflow = state.items.get(`wf_${item.id.slice(4, 40)}`);
    upsert(item, undefined, workflow?.el).renderWidget(item);
  }
}

// A request of the native ChatKit protocol (the same JWT), answered as JSON.
async function chatkit(type, params) {
  const res = await fetch("/api/v1/chatkit", { method: "POST", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify({ type, params }) });
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${body.error?.code ?? ""}: ${body.error?.message ?? ""}`);
  return body;
}

// The tasks widget (a ChatKit ListView): a row a task, its buttons sent as threads.sync_custom_action, which answers
// the widget after the change and works even while a reply streams.
function widgetView(item) {
  const list = document.createElement("div");
  list.className = "widget-list";
  for (const row of item.widget.children ?? []) {
    const div = document.createElement("div");
    div.className = "widget-row";
    for (const part of row.children ?? []) {
      if (part.type === "Text") {
        const span = document.createElement("span");
        span.textContent = part.value;
        if (part.lineThrough) span.className = "done";
        div.append(span);
      } else if (part.type === "Badge") {
        const badge = document.createElement("small");
        badge.textContent = part.label;
        div.append(badge);
      } else if (part.type === "Button" && part.onClickAction) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = part.label;
        button.addEventListener("click", () => widgetAction(item.id, part.onClickAction, button).catch(fail));
        div.append(button);
      }
    }
    list.append(div);
  }
  return list;
}

async function widgetAction(itemId, action, button) {
  button.disabled = true;
  const { updated_item: updated } = await chatkit("threads.sync_custom_action", {
    thread_id: state.session, item_id: itemId, action: { type: action.type, payload: action.payload },
  });
  upsert(updated).renderWidget(updated);
  status(`Done: ${action.type.replace("tasks.", "")}.`);
  await refreshTasks();
}

// A stored step has the call and its JSON result, not the live workflow's wording: name the tool and what it acted on.
function storedCallTitle({ name, arguments: args }) {
  try {
    const parsed = JSON.parse(args);
    const subject = parsed.title ?? parsed.query ?? parsed.tag ?? parsed.task_id;
    return subject ? `${name} · ${subject}` : name;
  } catch {
    return name;
  }
}

function storedResultText(text) {
  try {
    const result = JSON.parse(text);
    if (result.success === false) return `Failed: ${result.error ?? "see the result"}`;
  } catch {
    // not JSON: shown as stored
  }
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

// The element of an item, created in arrival order the first time its id is seen.
function upsert(item, messageStatus, after) {
  let entry = state.items.get(item.id);
  if (!entry) {
    const el = document.createElement("li");
    el.dataset.id = item.id;
    el.className = item.type;
    if (after) after.after(el);
    else $("items").append(el);
    entry = {
      el, text: "", tasks: [],
      setText(text) { this.text = text; this.el.textContent = text; scrollDown(); return this; },
      // A user's message as sent: its text, each @-mention as a chip (text only, never HTML), and its attachments.
      setParts(parts, attachments = []) {
        this.el.replaceChildren(...parts.map((p) => {
          if (p.type !== "input_tag") return document.createTextNode(p.text);
          const chip = document.createElement("span");
          chip.className = "tag";
          chip.dataset.id = p.id;
          chip.textContent = `@${p.text}`;
          return chip;
        }), ...attachments.map(attachmentView));
        scrollDown();
        return this;
      },
      renderWidget(widgetItem) { el.replaceChildren(widgetView(widgetItem)); scrollDown(); },
      render() {
        el.replaceChildren(...this.tasks.map((t) => {
          const div = document.createElement("div");
          div.className = `task ${t.status_indicator ?? ""}`;
          div.textContent = t.title ?? "";
          if (t.content) {
            const small = document.createElement("small");
            small.textContent = t.content;
            div.append(small);
          }
          return div;
        }));
        scrollDown();
      },
    };
    state.items.set(item.id, entry);
  }
  entry.el.classList.toggle("incomplete", messageStatus === "incomplete");
  return entry;
}

function scrollDown() {
  const list = $("items");
  list.scrollTop = list.scrollHeight;
}

function note(kind, text) {
  const li = document.createElement("li");
  li.className = kind;
  li.textContent = text;
  $("items").append(li);
  scrollDown();
}

// One ChatKit thread-stream event (see docs/streaming.md): items are added, updated and done by id.
function onEvent(e) {
  switch (e.type) {
    case "thread.item.added":
    case "thread.item.done": {
      const entry = upsert(e.item);
      const done = e.type === "thread.item.done";
      if (e.item.type === "workflow") {
        entry.tasks = [...e.item.workflow.tasks];
        entry.render();
      } else if (e.item.type === "widget") {
        entry.renderWidget(e.item);
      } else if (e.item.type === "user_message") {
        entry.setParts(e.item.content, e.item.attachments);
      } else if (e.item.type === "client_tool_call") {
        entry.setText(e.item.status === "pending" ? `Asking this page: ${e.item.name}…` : `This page answered ${e.item.name}: ${JSON.stringify(e.item.output)}`);
        if (e.item.status === "pending") state.pendingTool = e.item;
      } else {
        // "added" restarts the text (a replay sends every delta again); "done" carries the whole of it.
        entry.setText(e.item.content.map((c) => c.text).join("\n"));
        entry.el.classList.toggle("streaming", !done && e.item.type === "assistant_message");
      }
      break;
    }
    case "thread.item.updated": {
      const entry = state.items.get(e.item_id);
      const u = e.update;
      if (!entry) break;
      if (u.type === "assistant_message.content_part.text_delta") entry.setText(entry.text + u.delta);
      else if (u.type === "assistant_message.content_part.added" || u.type === "assistant_message.content_part.done") entry.setText(u.content.text);
      else if (u.type === "workflow.task.added" || u.type === "workflow.task.updated") {
        entry.tasks[u.task_index] = u.task;
        entry.render();
      }
      break;
    }
    case "thread.item.replaced":
      upsert(e.item).renderWidget(e.item);
      break;
    case "client_effect":
      if (e.name === "tasks.changed") refreshTasks().catch(fail); // a tool or a click changed the task list
      break;
    case "progress_update":
      status(e.text);
      break;
    case "thread.updated":
      $("title").value = e.thread.title;
      refreshSessions().catch(fail);
      break;
    case "error":
      note("error", e.message);
      break;
    case "notice":
      note("notice", e.message);
      break;
  }
}

async function send(text) {
  const id = state.session;
  const editing = state.editing;
  const path = editing ? `${API}/sessions/${id}/messages/${editing}/edit` : `${API}/sessions/${id}/threads/${id}/runs`;
  try {
    const res = await fetch(path, {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ message: composeMessage(text), background: true }),
      signal: attach(),
    });
    if (!res.ok) {
      const json = await res.json().catch(() => null);
      throw new ApiError(res.status, json?.error); // refused before the stream: nothing was stored
    }
    $("message").value = "";
    if (editing) {
      // The edited message and what followed it are now another version: off the page until the run ends.
      const from = state.items.get(editing)?.el;
      while (from?.nextElementSibling) from.nextElementSibling.remove();
      from?.remove();
      state.editing = null;
      state.reloadAfterRun = true;
    }
    state.mentions = [];
    renderMentions();
    state.attachments = [];
    renderAttachments();
    await follow(id, res, res.headers.get("X-Run-Id"), "Streaming");
  } catch (err) {
    if (err.name !== "AbortError") fail(err);
  }
}

// Reads a run's stream to its [DONE]; when the connection drops, reattaches after the last event seen.
async function follow(sessionId, res, runId, verb) {
  state.run = runId;
  state.stopping = false;
  document.body.dataset.run = runId;
  $("stop").disabled = false;
  $("send").disabled = true;
  status(`${verb} run ${runId}…`);
  let lastId = 0;
  for (;;) {
    try {
      if (await readEvents(res.body, (id, data) => { lastId = id; if (data !== "[DONE]") onEvent(JSON.parse(data)); })) break;
    } catch (err) {
      if (err.name === "AbortError" || state.session !== sessionId) return;
    }
    if (state.session !== sessionId) return;
    status(`Connection lost; reattaching to run ${runId} after event ${lastId}…`);
    await new Promise((r) => setTimeout(r, 1000));
    try {
      res = await fetch(`${API}/sessions/${sessionId}/runs/${runId}/events`, {
        headers: headers({ "Last-Event-ID": String(lastId) }), signal: attach(),
      });
    } catch {
      continue;
    }
    if (res.status === 404 || res.status === 410) return selectSession(sessionId); // gone or truncated: reload the stored messages
  }
  await finished(sessionId, runId);
}

// The message as the REST run body takes it: the text, each mentioned task as an input_tag, and the picked model.
function composeMessage(text) {
  const content = [{ type: "input_text", text }];
  for (const t of state.mentions) {
    content.push({ type: "input_text", text: " " });
    content.push({ type: "input_tag", id: t.id, text: t.title, data: { task_id: t.id }, group: "Tasks", interactive: true });
  }
  const model = $("model").value;
  const picked = model && model !== $("model").dataset.default ? { inference_options: { model } } : {};
  return { role: "user", content, attachments: state.attachments.map((a) => a.id), ...picked };
}

// ---- attachments ----------------------------------------------------------------------------------

// An attachment as a thumbnail (an image, through its signed preview_url: an <img> sends no token) or a file chip.
function attachmentView(a) {
  if (a.type === "image" && a.preview_url) {
    const img = document.createElement("img");
    img.className = "thumb";
    img.alt = a.name;
    img.title = a.name;
    const url = new URL(a.preview_url);
    img.src = url.pathname + url.search; // this page's own origin, whatever PUBLIC_BASE_URL says
    return img;
  }
  const chip = document.createElement("span");
  chip.className = "tag file";
  chip.textContent = `file: ${a.name}`;
  return chip;
}

function renderAttachments() {
  $("attachments").replaceChildren(...state.attachments.map(attachmentView));
}

// Each picked file goes up at once (the REST one-step upload); the message then carries their ids.
async function uploadFiles(files) {
  for (const file of files) {
    const form = new FormData();
    form.append("file", file, file.name);
    const res = await fetch(`${API}/attachments`, { method: "POST", headers: headers(), body: form });
    const json = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, json?.error);
    state.attachments.push(json.data);
    renderAttachments();
    status(`Attached ${file.name}.`);
  }
}

function renderMentions() {
  $("mentions").replaceChildren(...state.mentions.map((t) => {
    const chip = document.createElement("span");
    chip.className = "tag";
    chip.textContent = `@${t.title}`;
    return chip;
  }));
}

// The composer's models (MODELS), for the picker.
async function loadComposer() {
  const res = await fetch(`${API}/composer`, { headers: headers() });
  if (!res.ok) return;
  const { models } = await res.json();
  const select = $("model");
  select.replaceChildren(...models.map((m) => new Option(m.label, m.id, m.default, m.default)));
  select.dataset.default = models.find((m) => m.default)?.id ?? "";
}

// A run that ended waiting on get_selected_tasks: this page answers with the ticked tasks, and the turn goes on.
async function answerClientTool(sessionId) {
  const call = state.pendingTool;
  state.pendingTool = null;
  if (call?.name !== "get_selected_tasks") return;
  const res = await fetch("/api/v1/chatkit", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify({ type: "threads.add_client_tool_output", params: { thread_id: sessionId, result: { task_ids: [...state.selected] } } }),
  });
  if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => null))?.error);
  status(`Answered ${call.name} with ${state.selected.size} selected tasks…`);
  await readEvents(res.body, (_, data) => onEvent(JSON.parse(data))); // the native stream ends when the body closes
  await finished(sessionId, "continued");
}

async function finished(sessionId, runId) {
  const stopped = state.stopping;
  state.run = null;
  state.follow = null;
  document.body.dataset.run = "";
  $("stop").disabled = true;
  $("send").disabled = false;
  for (const entry of state.items.values()) entry.el.classList.remove("streaming");
  // The stored messages say which replies were cut short.
  const { data } = await api("GET", `${API}/sessions/${sessionId}?limit=100`);
  if (state.reloadAfterRun) {
    // After an edit: the stored branch, with its version switcher.
    state.reloadAfterRun = false;
    renderStored(data.messages);
    await renderStoredWidgets(sessionId);
  }
  for (const m of data.messages) {
    const entry = state.items.get(m.id);
    entry?.el.classList.toggle("incomplete", m.status === "incomplete");
    // A message sent from this page is stored now: it can be edited like the others.
    if (m.role === "user" && entry && !entry.el.querySelector("button.edit")) entry.el.append(editButton(m, m.content.map((c) => c.text).join("")));
  }
  await Promise.all([refreshSessions(), refreshTasks()]);
  status(stopped ? `Stopped run ${runId}; the partial reply is stored as incomplete.` : `Run ${runId} finished; the reply is stored.`);
  if (state.pendingTool && !stopped) await answerClientTool(sessionId);
}

async function stop() {
  state.stopping = true;
  $("stop").disabled = true;
  try {
    await api("POST", `${API}/sessions/${state.session}/runs/${state.run}/cancel`);
    status(`Stopping run ${state.run}…`);
  } catch (err) {
    fail(err);
  }
}

// Server-Sent Events from a fetch body: "id: n" then "data: …", a blank line between events; ": ping" comments skipped.
// Resolves true at [DONE], false if the body ends without it.
async function readEvents(body, onData) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let id = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of block.split("\n")) {
        if (line.startsWith("id: ")) id = Number(line.slice(4));
        else if (line.startsWith("data: ")) {
          const data = line.slice(6);
          onData(id, data);
          if (data === "[DONE]") {
            reader.cancel().catch(() => {});
            return true;
          }
        }
      }
    }
  }
}

// Stops reading the current stream (the run itself goes on: it was sent with background: true).
function detach() {
  state.follow?.abort();
  state.follow = null;
  state.run = null;
}

function attach() {
  state.follow = new AbortController();
  return state.follow.signal;
}

// ---- tasks ------------------------------------------------------------------------------------

async function refreshTasks() {
  const { data } = await api("GET", "/api/v1/tasks?limit=100");
  $("tasks").replaceChildren(...data.map((t) => {
    const li = document.createElement("li");
    li.dataset.id = t.id;
    li.className = t.completed ? "done" : "";
    const tick = document.createElement("input");
    tick.type = "checkbox";
    tick.className = "select";
    tick.title = "Selected (the assistant can ask for the selected tasks)";
    tick.checked = state.selected.has(t.id);
    tick.addEventListener("change", () => (tick.checked ? state.selected.add(t.id) : state.selected.delete(t.id)));
    const mention = document.createElement("button");
    mention.type = "button";
    mention.className = "mention";
    mention.textContent = "@";
    mention.title = "Mention this task in the next message";
    mention.addEventListener("click", () => {
      if (!state.mentions.some((m) => m.id === t.id)) state.mentions.push({ id: t.id, title: t.title });
      renderMentions();
    });
    li.append(tick, document.createTextNode(` ${t.title}`));
    const small = document.createElement("small");
    small.textContent = [t.priority.toLowerCase(), ...t.tags.map((tag) => `#${tag}`)].join(" ");
    li.append(small, mention);
    return li;
  }));
}

// ---- wiring -----------------------------------------------------------------------------------

$("auth").addEventListener("submit", (e) => { e.preventDefault(); useToken($("token").value); });
$("dev-token").addEventListener("click", developmentToken);
$("new-session").addEventListener("click", createSession);
$("title-form").addEventListener("submit", (e) => { e.preventDefault(); renameSession(); });
$("delete").addEventListener("click", deleteSession);
$("refresh-tasks").addEventListener("click", () => refreshTasks().catch(fail));
$("search-form").addEventListener("submit", (e) => { e.preventDefault(); search($("search").value).catch(fail); });
$("stop").addEventListener("click", stop);
$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("message").value;
  if ((text.trim() || state.attachments.length) && !state.run) send(text);
});
$("attach").addEventListener("click", () => $("file").click());
$("file").addEventListener("change", (e) => {
  uploadFiles([...e.target.files]).catch(fail);
  e.target.value = "";
});
$("message").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    $("composer").requestSubmit();
  }
});

if (state.token) useToken(state.token);
