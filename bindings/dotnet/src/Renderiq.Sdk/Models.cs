using System;
using System.Collections.Generic;
using Renderiq.Sdk.Json;

namespace Renderiq.Sdk
{
    /// <summary>The host application a plugin runs in; sent with every request.</summary>
    public enum Platform
    {
        /// <summary>Anything else.</summary>
        Other = 0,
        /// <summary>Trimble SketchUp.</summary>
        SketchUp,
        /// <summary>Autodesk Revit.</summary>
        Revit,
        /// <summary>Autodesk AutoCAD.</summary>
        AutoCad,
        /// <summary>McNeel Rhino.</summary>
        Rhino,
        /// <summary>Graphisoft ArchiCAD.</summary>
        ArchiCad,
        /// <summary>Blender.</summary>
        Blender,
    }

    /// <summary>Render quality; decides the credit cost (5, 10 or 20 credits).</summary>
    public enum Quality
    {
        /// <summary>Fast preview: 5 credits.</summary>
        Standard,
        /// <summary>Presentation quality: 10 credits (the service's default).</summary>
        High,
        /// <summary>Print quality: 20 credits.</summary>
        Ultra,
    }

    /// <summary>Lifecycle state of a render.</summary>
    public enum RenderStatus
    {
        /// <summary>A state this SDK version does not know.</summary>
        Unknown = 0,
        /// <summary>Accepted, waiting for a worker.</summary>
        Pending,
        /// <summary>A worker is generating the image.</summary>
        Processing,
        /// <summary>Done; <see cref="Render.OutputUrl"/> is set.</summary>
        Completed,
        /// <summary>Failed; credits were refunded.</summary>
        Failed,
        /// <summary>Cancelled before processing; credits were refunded.</summary>
        Cancelled,
    }

    /// <summary>Kind of credit ledger entry.</summary>
    public enum TransactionType
    {
        /// <summary>A kind this SDK version does not know.</summary>
        Unknown = 0,
        /// <summary>Credits granted.</summary>
        Grant,
        /// <summary>Credits spent on a render.</summary>
        Spend,
        /// <summary>Credits returned for a failed or cancelled render.</summary>
        Refund,
    }

    /// <summary>Wire spellings of the enums.</summary>
    internal static class Wire
    {
        internal static string Name(Platform p)
        {
            switch (p)
            {
                case Platform.SketchUp: return "sketchup";
                case Platform.Revit: return "revit";
                case Platform.AutoCad: return "autocad";
                case Platform.Rhino: return "rhino";
                case Platform.ArchiCad: return "archicad";
                case Platform.Blender: return "blender";
                default: return "other";
            }
        }

        internal static Platform ParsePlatform(string s)
        {
            foreach (Platform p in Enum.GetValues(typeof(Platform)))
                if (Name(p) == s) return p;
            return Platform.Other;
        }

        internal static string Name(Quality q)
        {
            switch (q)
            {
                case Quality.Standard: return "standard";
                case Quality.Ultra: return "ultra";
                default: return "high";
            }
        }

        internal static Quality ParseQuality(string s)
        {
            switch (s)
            {
                case "standard": return Quality.Standard;
                case "ultra": return Quality.Ultra;
                default: return Quality.High;
            }
        }

        internal static string Name(RenderStatus s)
        {
            return s == RenderStatus.Unknown ? null : s.ToString().ToLowerInvariant();
        }

        internal static RenderStatus ParseStatus(string s)
        {
            switch (s)
            {
                case "pending": return RenderStatus.Pending;
                case "processing": return RenderStatus.Processing;
                case "completed": return RenderStatus.Completed;
                case "failed": return RenderStatus.Failed;
                case "cancelled": return RenderStatus.Cancelled;
                default: return RenderStatus.Unknown;
            }
        }

        internal static TransactionType ParseTransactionType(string s)
        {
            switch (s)
            {
                case "grant": return TransactionType.Grant;
                case "spend": return TransactionType.Spend;
                case "refund": return TransactionType.Refund;
                default: return TransactionType.Unknown;
            }
        }
    }

    /// <summary>A signed-in user.</summary>
    public sealed class User
    {
        /// <summary>User id.</summary>
        public string Id { get; set; }
        /// <summary>Email address.</summary>
        public string Email { get; set; }
        /// <summary>Display name, when set.</summary>
        public string Name { get; set; }
        /// <summary>When the account was created.</summary>
        public DateTimeOffset CreatedAt { get; set; }

        internal static User FromJson(JsonObject o)
        {
            return new User { Id = o.String("id"), Email = o.String("email"), Name = o.String("name"), CreatedAt = o.Date("createdAt") };
        }

        /// <inheritdoc/>
        public override string ToString() { return "User " + Email; }
    }

    /// <summary>A render: the image the service generates from a viewport capture and a prompt.</summary>
    public sealed class Render
    {
        /// <summary>Render id.</summary>
        public string Id { get; set; }
        /// <summary>Lifecycle state.</summary>
        public RenderStatus Status { get; set; }
        /// <summary>Progress 0–100.</summary>
        public int Progress { get; set; }
        /// <summary>The prompt, when one was given.</summary>
        public string Prompt { get; set; }
        /// <summary>Style (<c>photorealistic</c>, <c>sketch</c>, <c>watercolor</c>, …).</summary>
        public string Style { get; set; }
        /// <summary>Quality.</summary>
        public Quality Quality { get; set; }
        /// <summary>Aspect ratio, e.g. <c>16:9</c>.</summary>
        public string AspectRatio { get; set; }
        /// <summary>Project id, when filed under one.</summary>
        public string ProjectId { get; set; }
        /// <summary>Credits charged.</summary>
        public long CreditsCost { get; set; }
        /// <summary>URL of the uploaded capture.</summary>
        public string InputUrl { get; set; }
        /// <summary>URL of the result, once completed.</summary>
        public string OutputUrl { get; set; }
        /// <summary>Why it failed, when it did.</summary>
        public string Error { get; set; }
        /// <summary>The host application it was created from.</summary>
        public Platform Platform { get; set; }
        /// <summary>Creation time.</summary>
        public DateTimeOffset CreatedAt { get; set; }
        /// <summary>Last change.</summary>
        public DateTimeOffset UpdatedAt { get; set; }
        /// <summary>Completion time, once finished.</summary>
        public DateTimeOffset? CompletedAt { get; set; }

        /// <summary>True for completed, failed and cancelled.</summary>
        public bool IsTerminal
        {
            get { return Status == RenderStatus.Completed || Status == RenderStatus.Failed || Status == RenderStatus.Cancelled; }
        }

        /// <summary>The render's wire JSON as received (handed back to the native library to save a request).</summary>
        internal string Json { get; set; }

        internal static Render FromJson(JsonObject o, string json = null)
        {
            return new Render
            {
                Id = o.String("id"),
                Status = Wire.ParseStatus(o.String("status")),
                Progress = o.Int("progress"),
                Prompt = o.String("prompt"),
                Style = o.String("style"),
                Quality = Wire.ParseQuality(o.String("quality")),
                AspectRatio = o.String("aspectRatio"),
                ProjectId = o.String("projectId"),
                CreditsCost = o.Long("creditsCost"),
                InputUrl = o.String("inputUrl"),
                OutputUrl = o.String("outputUrl"),
                Error = o.String("error"),
                Platform = Wire.ParsePlatform(o.String("platform")),
                CreatedAt = o.Date("createdAt"),
                UpdatedAt = o.Date("updatedAt"),
                CompletedAt = o.NullableDate("completedAt"),
                Json = json,
            };
        }

        internal static Render Parse(string json)
        {
            return FromJson(JsonReader.ParseObject(json), json);
        }

        /// <inheritdoc/>
        public override string ToString() { return "Render " + Id + " (" + Status + ", " + Progress + "%)"; }
    }

    /// <summary>Progress of a render operation, reported through <see cref="IProgress{T}"/>.</summary>
    public sealed class RenderProgress
    {
        /// <summary>0–100.</summary>
        public int Percent { get; set; }
        /// <summary>
        /// What is happening: <c>preparing</c>, <c>uploading</c>, then the render's status
        /// (<c>pending</c>, <c>processing</c>, <c>completed</c>, …).
        /// </summary>
        public string Stage { get; set; }
        /// <summary>True once the operation finished.</summary>
        public bool Done { get; set; }
        /// <summary>The render as last seen, once it exists on the server; else null.</summary>
        public Render Render { get; set; }

        internal static RenderProgress Parse(string json)
        {
            JsonObject o = JsonReader.ParseObject(json);
            JsonObject? r = o.Object("render");
            return new RenderProgress
            {
                Percent = o.Int("percent"),
                Stage = o.String("stage"),
                Done = o.Bool("done"),
                Render = r.HasValue ? Render.FromJson(r.Value) : null,
            };
        }

        /// <inheritdoc/>
        public override string ToString() { return Stage + " " + Percent + "%"; }
    }

    /// <summary>One page of a list.</summary>
    public sealed class Page<T>
    {
        /// <summary>The items on this page.</summary>
        public IReadOnlyList<T> Items { get; set; }
        /// <summary>Page number, from 1.</summary>
        public int PageNumber { get; set; }
        /// <summary>Page size.</summary>
        public int Limit { get; set; }
        /// <summary>Items over all pages.</summary>
        public long Total { get; set; }
        /// <summary>True when another page follows.</summary>
        public bool HasMore { get; set; }

        internal static Page<T> FromJson(JsonObject o, Func<JsonObject, T> map)
        {
            return new Page<T>
            {
                Items = o.ObjectList("items", map),
                PageNumber = o.Int("page"),
                Limit = o.Int("limit"),
                Total = o.Long("total"),
                HasMore = o.Bool("hasMore"),
            };
        }
    }

    /// <summary>A project renders can be filed under.</summary>
    public sealed class Project
    {
        /// <summary>Project id.</summary>
        public string Id { get; set; }
        /// <summary>Name.</summary>
        public string Name { get; set; }
        /// <summary>URL-safe name.</summary>
        public string Slug { get; set; }
        /// <summary>Description, when set.</summary>
        public string Description { get; set; }
        /// <summary>The host application it was created from.</summary>
        public Platform Platform { get; set; }
        /// <summary>Creation time.</summary>
        public DateTimeOffset CreatedAt { get; set; }

        internal static Project FromJson(JsonObject o)
        {
            return new Project
            {
                Id = o.String("id"),
                Name = o.String("name"),
                Slug = o.String("slug"),
                Description = o.String("description"),
                Platform = Wire.ParsePlatform(o.String("platform")),
                CreatedAt = o.Date("createdAt"),
            };
        }
    }

    /// <summary>The credit balance.</summary>
    public sealed class Credits
    {
        /// <summary>Credits available now.</summary>
        public long Balance { get; set; }
        /// <summary>Credits ever granted.</summary>
        public long TotalEarned { get; set; }
        /// <summary>Credits ever spent, net of refunds.</summary>
        public long TotalSpent { get; set; }

        internal static Credits FromJson(JsonObject o)
        {
            return new Credits { Balance = o.Long("balance"), TotalEarned = o.Long("totalEarned"), TotalSpent = o.Long("totalSpent") };
        }
    }

    /// <summary>One entry of the credit ledger.</summary>
    public sealed class CreditTransaction
    {
        /// <summary>Entry id.</summary>
        public string Id { get; set; }
        /// <summary>Signed amount: positive for grants and refunds, negative for spends.</summary>
        public long Amount { get; set; }
        /// <summary>Kind.</summary>
        public TransactionType Type { get; set; }
        /// <summary>Render id or other reference.</summary>
        public string ReferenceId { get; set; }
        /// <summary>Description.</summary>
        public string Description { get; set; }
        /// <summary>Balance after this entry.</summary>
        public long BalanceAfter { get; set; }
        /// <summary>Time.</summary>
        public DateTimeOffset CreatedAt { get; set; }

        internal static CreditTransaction FromJson(JsonObject o)
        {
            return new CreditTransaction
            {
                Id = o.String("id"),
                Amount = o.Long("amount"),
                Type = Wire.ParseTransactionType(o.String("type")),
                ReferenceId = o.String("referenceId"),
                Description = o.String("description"),
                BalanceAfter = o.Long("balanceAfter"),
                CreatedAt = o.Date("createdAt"),
            };
        }
    }

    /// <summary>The user's settings.</summary>
    public sealed class Settings
    {
        /// <summary>Default style of new renders.</summary>
        public string DefaultStyle { get; set; }
        /// <summary>Default quality.</summary>
        public Quality DefaultQuality { get; set; }
        /// <summary>Default aspect ratio.</summary>
        public string DefaultAspectRatio { get; set; }
        /// <summary>Default project, when set.</summary>
        public string DefaultProjectId { get; set; }
        /// <summary>Whether webhook deliveries are sent for renders.</summary>
        public bool NotifyOnComplete { get; set; }

        internal static Settings FromJson(JsonObject o)
        {
            return new Settings
            {
                DefaultStyle = o.String("defaultStyle"),
                DefaultQuality = Wire.ParseQuality(o.String("defaultQuality")),
                DefaultAspectRatio = o.String("defaultAspectRatio"),
                DefaultProjectId = o.String("defaultProjectId"),
                NotifyOnComplete = o.Bool("notifyOnComplete"),
            };
        }
    }

    /// <summary>A change of settings: only the properties that are set (not null) change.</summary>
    public sealed class SettingsUpdate
    {
        /// <summary>New default style.</summary>
        public string DefaultStyle { get; set; }
        /// <summary>New default quality.</summary>
        public Quality? DefaultQuality { get; set; }
        /// <summary>New default aspect ratio.</summary>
        public string DefaultAspectRatio { get; set; }
        /// <summary>New default project.</summary>
        public string DefaultProjectId { get; set; }
        /// <summary>New notification switch.</summary>
        public bool? NotifyOnComplete { get; set; }

        internal string ToJson()
        {
            return new JsonWriter()
                .Add("defaultStyle", DefaultStyle)
                .Add("defaultQuality", DefaultQuality.HasValue ? Wire.Name(DefaultQuality.Value) : null)
                .Add("defaultAspectRatio", DefaultAspectRatio)
                .Add("defaultProjectId", DefaultProjectId)
                .Add("notifyOnComplete", NotifyOnComplete)
                .ToString();
        }
    }

    /// <summary>An API key (without its secret).</summary>
    public sealed class ApiKey
    {
        /// <summary>Key id.</summary>
        public string Id { get; set; }
        /// <summary>Name.</summary>
        public string Name { get; set; }
        /// <summary>The key's first characters, to recognise it.</summary>
        public string Prefix { get; set; }
        /// <summary>Scopes it grants.</summary>
        public IReadOnlyList<string> Scopes { get; set; }
        /// <summary>Last use, when used.</summary>
        public DateTimeOffset? LastUsedAt { get; set; }
        /// <summary>Expiry, when it expires.</summary>
        public DateTimeOffset? ExpiresAt { get; set; }
        /// <summary>Creation time.</summary>
        public DateTimeOffset CreatedAt { get; set; }

        internal static ApiKey FromJson(JsonObject o)
        {
            return new ApiKey
            {
                Id = o.String("id"),
                Name = o.String("name"),
                Prefix = o.String("prefix"),
                Scopes = o.StringList("scopes"),
                LastUsedAt = o.NullableDate("lastUsedAt"),
                ExpiresAt = o.NullableDate("expiresAt"),
                CreatedAt = o.Date("createdAt"),
            };
        }
    }

    /// <summary>A new API key: <see cref="Key"/> is shown this once.</summary>
    public sealed class CreatedApiKey
    {
        /// <summary>The secret key (<c>rq_…</c>). Store it now; it cannot be read again.</summary>
        public string Key { get; set; }
        /// <summary>The key's details.</summary>
        public ApiKey ApiKey { get; set; }

        internal static CreatedApiKey FromJson(JsonObject o)
        {
            JsonObject? k = o.Object("apiKey");
            return new CreatedApiKey { Key = o.String("key"), ApiKey = k.HasValue ? ApiKey.FromJson(k.Value) : null };
        }

        /// <inheritdoc/>
        public override string ToString() { return "CreatedApiKey " + (ApiKey != null ? ApiKey.Prefix : "") + "… (key <redacted>)"; }
    }

    /// <summary>A registered webhook endpoint.</summary>
    public sealed class WebhookEndpoint
    {
        /// <summary>Webhook id.</summary>
        public string Id { get; set; }
        /// <summary>Delivery URL.</summary>
        public string Url { get; set; }
        /// <summary>Event types delivered.</summary>
        public IReadOnlyList<string> Events { get; set; }
        /// <summary>False once disabled after repeated failures.</summary>
        public bool Active { get; set; }
        /// <summary>Consecutive failed deliveries.</summary>
        public long FailureCount { get; set; }
        /// <summary>Creation time.</summary>
        public DateTimeOffset CreatedAt { get; set; }
        /// <summary>Last delivery attempt, when any.</summary>
        public DateTimeOffset? LastDeliveryAt { get; set; }

        internal static WebhookEndpoint FromJson(JsonObject o)
        {
            return new WebhookEndpoint
            {
                Id = o.String("id"),
                Url = o.String("url"),
                Events = o.StringList("events"),
                Active = o.Bool("active"),
                FailureCount = o.Long("failureCount"),
                CreatedAt = o.Date("createdAt"),
                LastDeliveryAt = o.NullableDate("lastDeliveryAt"),
            };
        }
    }

    /// <summary>A new webhook: <see cref="Secret"/> (<c>whsec_…</c>) is shown this once.</summary>
    public sealed class CreatedWebhook
    {
        /// <summary>The signing secret; pass it to <see cref="Webhook.Verify(string, byte[], IEnumerable{KeyValuePair{string, string}}, DateTimeOffset?)"/>.</summary>
        public string Secret { get; set; }
        /// <summary>The endpoint.</summary>
        public WebhookEndpoint Endpoint { get; set; }

        internal static CreatedWebhook FromJson(JsonObject o)
        {
            JsonObject? w = o.Object("webhook");
            return new CreatedWebhook { Secret = o.String("secret"), Endpoint = w.HasValue ? WebhookEndpoint.FromJson(w.Value) : null };
        }

        /// <inheritdoc/>
        public override string ToString() { return "CreatedWebhook " + (Endpoint != null ? Endpoint.Url : "") + " (secret <redacted>)"; }
    }

    /// <summary>Server health.</summary>
    public sealed class Health
    {
        /// <summary><c>ok</c> or <c>degraded</c>.</summary>
        public string Status { get; set; }
        /// <summary>Server version.</summary>
        public string Version { get; set; }
        /// <summary><c>ok</c> when the database answered.</summary>
        public string Database { get; set; }
        /// <summary>True when the server long-polls render waits.</summary>
        public bool LongPoll { get; set; }
        /// <summary>Server time.</summary>
        public DateTimeOffset Time { get; set; }

        internal static Health FromJson(JsonObject o)
        {
            return new Health
            {
                Status = o.String("status"),
                Version = o.String("version"),
                Database = o.String("database"),
                LongPoll = o.Bool("longPoll"),
                Time = o.Date("time"),
            };
        }
    }

    /// <summary>A verified webhook delivery.</summary>
    public sealed class WebhookEvent
    {
        /// <summary>Event type: <c>render.completed</c>, <c>render.failed</c>, … (or null when the body has none).</summary>
        public string Type { get; set; }
        /// <summary>When the event happened (the default value when the body does not say).</summary>
        public DateTimeOffset Timestamp { get; set; }
        /// <summary>The render the event is about; null when the body is not a render event.</summary>
        public Render Data { get; set; }

        internal static WebhookEvent FromJson(JsonObject o)
        {
            JsonObject? d = o.Object("data");
            return new WebhookEvent { Type = o.String("type"), Timestamp = o.Date("timestamp"), Data = d.HasValue ? Render.FromJson(d.Value) : null };
        }
    }

    /// <summary>An image prepared for upload, as <see cref="RenderiqClient.PrepareImage"/> returns it.</summary>
    public sealed class PreparedImage
    {
        /// <summary>The encoded bytes.</summary>
        public byte[] Bytes { get; set; }
        /// <summary>MIME type, e.g. <c>image/jpeg</c>.</summary>
        public string MimeType { get; set; }
        /// <summary>Format name: <c>jpeg</c>, <c>png</c>, <c>webp</c>.</summary>
        public string Format { get; set; }
        /// <summary>Width in pixels.</summary>
        public int Width { get; set; }
        /// <summary>Height in pixels.</summary>
        public int Height { get; set; }
    }
}
