using Microsoft.OpenApi;
using static ChatKit.Api.OpenApi.SchemaBuilder;

namespace ChatKit.Api.OpenApi;

/// <summary>
/// The schemas no C# type describes exactly: the error envelope, a list's <c>meta</c>, and the ChatKit thread-stream
/// events of <c>text/event-stream</c> responses (docs/streaming.md; each event is one <c>data:</c> line).
/// </summary>
internal static class ComponentSchemas
{
    public const string ErrorEnvelope = "ErrorEnvelope";
    public const string ListMeta = "ListMeta";
    public const string StreamEvent = "ThreadStreamEvent";
    public const string ChatKitRequest = "ChatKitRequest";

    public static OpenApiSchemaReference Ref(OpenApiDocument document, string id)
    {
        Ensure(document);
        return new OpenApiSchemaReference(id, document);
    }

    private static void Ensure(OpenApiDocument document)
    {
        if (document.Components?.Schemas?.ContainsKey(ErrorEnvelope) == true)
        {
            return;
        }

        OpenApiSchemaReference R(string id) => new(id, document);
        var schemas = new Dictionary<string, IOpenApiSchema>();

        // A discriminator selects among named schemas only, so each variant of a union is a component of its own.
        OpenApiSchemaReference Named(string id, OpenApiSchema schema)
        {
            schemas[id] = schema;
            return R(id);
        }

        var own = new Dictionary<string, IOpenApiSchema>
        {
            ["ErrorDetail"] = Object(Required("field", String()), Required("message", String())),
            [ErrorEnvelope] = Described("Every error the API returns, whatever the status.", Object(
                Required("success", Const(false)),
                Required("error", Object(
                    Required("code", String("UPPER_SNAKE; the codes each response can carry are listed with it")),
                    Required("message", String("Human-readable; safe to show")),
                    Optional("details", Array(R("ErrorDetail"))),
                    Optional("trace_id", String("On 5xx answers: the trace id, also in the service's log")))))),
            [ListMeta] = Object(
                Optional("total", Integer("How many there are in all (lists only)")),
                Optional("next_cursor", String("Pass as `after` for the next page; absent on the last"))),
            ["InputText"] = Object(Required("type", Const("input_text")), Required("text", String())),
            ["OutputText"] = Object(
                Required("type", Const("output_text")), Required("text", String()), Required("annotations", Array(AnyObject()))),
            ["UserMessageItem"] = Object(
                Required("id", String(format: "uuid")), Required("thread_id", String(format: "uuid")),
                Required("created_at", String(format: "date-time")), Required("type", Const("user_message")),
                Required("content", Array(R("InputText"))), Required("attachments", Array(R("ChatKitAttachment"))),
                Required("inference_options", AnyObject())),
            ["ChatKitAttachment"] = Described(
                "ChatKit's Attachment (docs/attachments.md); its links are signed and expire, a fresh set comes with every answer that shows it.",
                Object(
                    Required("id", String("`atc_` + 32 hex digits")), Required("name", String()), Required("mime_type", String()),
                    Required("type", Enum("image", "file")),
                    Optional("upload_descriptor", Object(
                        Required("url", String("Absolute, signed; takes the bytes with no token", format: "uri")), Required("method", Enum("PUT", "POST")),
                        Required("headers", AnyObject()))),
                    Optional("thread_id", String("Set once a message carries it", format: "uuid")),
                    Optional("preview_url", String("Images: the bytes, through a signed link (no token)", format: "uri")))),
            ["AssistantMessageItem"] = Object(
                Required("id", String(format: "uuid")), Required("thread_id", String(format: "uuid")),
                Required("created_at", String(format: "date-time")), Required("type", Const("assistant_message")),
                Required("content", Array(R("OutputText")))),
            ["WorkflowTask"] = Object(
                Required("type", Const("custom")), Required("title", String()), Optional("content", String("What the tool did, or why it failed")),
                Required("status_indicator", Enum("loading", "complete"))),
            ["WorkflowItem"] = Object(
                Required("id", String("`wf_` + the step's assistant message id")), Required("thread_id", String(format: "uuid")),
                Required("created_at", String(format: "date-time")), Required("type", Const("workflow")),
                Required("workflow", Object(
                    Required("type", Const("custom")), Required("tasks", Array(R("WorkflowTask"))), Required("expanded", Boolean())))),
            [ChatKitRequest] = Described(
                "A request of the ChatKit protocol (docs/chatkit.md). The streaming types (threads.create, threads.add_user_message, " +
                "threads.retry_after_item, threads.add_client_tool_output, threads.custom_action) answer a text/event-stream; the others a " +
                "bare ChatKit object. Transcription and structured input answer 400 UNSUPPORTED_REQUEST.",
                Object(
                    Required("type", Enum(
                        "threads.create", "threads.add_user_message", "threads.retry_after_item", "threads.list", "threads.get_by_id",
                        "items.list", "threads.update", "threads.delete", "items.feedback", "threads.add_client_tool_output",
                        "threads.custom_action", "threads.sync_custom_action", "attachments.create", "attachments.delete")),
                    Optional("params", AnyObject(
                        "thread_id, input {content, attachments, quoted_text, inference_options}, item_id(s), title, limit, order, after, kind, " +
                        "result, action, name, size, mime_type, attachment_id: as the type needs")),
                    Optional("metadata", AnyObject()))),
            ["ThreadItem"] = OneOf("type", R("UserMessageItem"), R("AssistantMessageItem"), R("WorkflowItem")),
            ["Thread"] = Object(
                Required("id", String(format: "uuid")), Required("title", String()), Required("created_at", String(format: "date-time")),
                Required("status", Object(Required("type", Const("active")))), Required("metadata", AnyObject()),
                Required("items", Object(Required("data", Array(R("ThreadItem"))), Required("has_more", Boolean()), Optional("after", String())))),
            ["ItemUpdate"] = OneOf(
                "type",
                Named("ContentPartAdded", Object(
                    Required("type", Const("assistant_message.content_part.added")), Required("content_index", Integer()), Required("content", R("OutputText")))),
                Named("ContentPartTextDelta", Object(
                    Required("type", Const("assistant_message.content_part.text_delta")), Required("content_index", Integer()), Required("delta", String()))),
                Named("ContentPartDone", Object(
                    Required("type", Const("assistant_message.content_part.done")), Required("content_index", Integer()), Required("content", R("OutputText")))),
                Named("WorkflowTaskAdded", Object(
                    Required("type", Const("workflow.task.added")), Required("task_index", Integer()), Required("task", R("WorkflowTask")))),
                Named("WorkflowTaskUpdated", Object(
                    Required("type", Const("workflow.task.updated")), Required("task_index", Integer()), Required("task", R("WorkflowTask"))))),
            [StreamEvent] = Described(
                "One event of a run's `text/event-stream`: each is a line `data: <this JSON>` preceded by `id: <n>` (1, 2, 3… within the run) " +
                "and followed by a blank line; comment lines (`: ping`) carry nothing. The REST stream ends with `data: [DONE]`; the native " +
                "protocol's has no `[DONE]`. See docs/streaming.md.",
                OneOf(
                "type",
                Named("ThreadCreatedEvent", Object(Required("type", Const("thread.created")), Required("thread", R("Thread")))),
                Named("ThreadItemAddedEvent", Object(Required("type", Const("thread.item.added")), Required("item", R("ThreadItem")))),
                Named("ThreadItemUpdatedEvent", Object(
                    Required("type", Const("thread.item.updated")), Required("item_id", String()), Required("update", R("ItemUpdate")))),
                Named("ThreadItemDoneEvent", Object(Required("type", Const("thread.item.done")), Required("item", R("ThreadItem")))),
                Named("ThreadUpdatedEvent", Object(Required("type", Const("thread.updated")), Required("thread", R("Thread")))),
                Named("StreamOptionsEvent", Object(
                    Required("type", Const("stream_options")), Required("stream_options", Object(Required("allow_cancel", Boolean()))))),
                Named("NoticeEvent", Object(
                    Required("type", Const("notice")), Required("level", Enum("info", "warning", "danger")), Required("message", String()))),
                Named("ErrorEvent", Object(
                    Required("type", Const("error")), Required("code", Const("stream.error")), Required("message", String()),
                    Required("allow_retry", Boolean()))))),
        };
        foreach (var (id, schema) in own.Concat(schemas))
        {
            document.AddComponent(id, schema);
        }
    }
}
