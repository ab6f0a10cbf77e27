// One scenario in progress: its variables, its current client, its steps in order
// (README *Scenario files*).
package com.renderiq.conformance

import com.renderiq.sdk.CallOperation
import com.renderiq.sdk.Client
import com.renderiq.sdk.Header
import com.renderiq.sdk.Progress
import com.renderiq.sdk.RenderiqException
import com.renderiq.sdk.Webhook
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.longOrNull
import java.io.File

/** Longest a single call or operation may take before the step fails. */
const val STEP_LIMIT_MS = 120_000L

/** How often a `start` step looks at the operation's progress. */
private const val POLL_MS = 5L

class Scenario(setup: Setup, doc: JsonObject, stem: String) {
    private val vars: MutableMap<String, JsonElement> =
        setup.values(stem, (doc["server"] as? JsonPrimitive)?.content ?: "default").toMutableMap()
    private val defaults = JsonObject(mapOf("baseUrl" to vars.getValue("base_url"), "tokenStore" to JsonPrimitive("memory")))
    private var client: Client? = null

    init {
        buildClient(JsonObject(emptyMap()))?.let { throw Failure("the default client: ${describe(it)}") }
    }

    /** Runs the steps; the first failing one fails the scenario. */
    fun run(steps: List<JsonElement>) {
        try {
            steps.forEachIndexed { i, step ->
                if (step !is JsonObject) throw Failure("step ${i + 1} is not an object")
                try {
                    step(step)
                } catch (why: Failure) {
                    throw Failure("step ${i + 1} (${label(step)}): ${why.message}")
                }
            }
        } finally {
            client?.close()
        }
    }

    private fun step(step: JsonObject) {
        val expect = step["expect"]?.let { substitute(it, vars) }
        when {
            "call" in step -> {
                val outcome = call(step.getValue("call"), attachment(step))
                check(expect, outcome)
                save(step["save"], outcome)
            }
            "start" in step -> start(step, expect)
            "sleep_ms" in step -> Thread.sleep((step.getValue("sleep_ms") as JsonPrimitive).content.toLong())
            "verify_webhook" in step -> {
                val spec = substitute(step.getValue("verify_webhook"), vars) as? JsonObject
                    ?: throw Failure("`verify_webhook` must be an object")
                check(expect, verifyWebhook(spec))
            }
            "client" in step -> {
                val options = substitute(step.getValue("client"), vars) as? JsonObject
                    ?: throw Failure("`client` must be an object")
                val error = buildClient(options)
                if (expect != null) {
                    check(expect, Outcome(JsonNull, error))
                } else if (error != null) {
                    throw Failure("the client was not built: ${describe(error)}")
                }
            }
            else -> throw Failure("unknown step ${short(step)}")
        }
    }

    /** A new client from the defaults with [options] merged over them; the error when none was built. */
    private fun buildClient(options: JsonObject): Exception? {
        client?.close()
        client = null
        return try {
            client = Client(JsonObject(defaults + options).toString())
            null
        } catch (e: Exception) {
            e
        }
    }

    private fun theClient(): Client =
        client ?: throw Failure("there is no client: the last `client` step did not build one")

    private fun attachment(step: JsonObject): ByteArray? =
        step["attach"]?.let { buffer(text(it)) }

    private fun call(call: JsonElement, data: ByteArray?): Outcome {
        val json = substitute(call, vars).toString()
        val client = theClient()
        return Outcome.ofJson { runBlocking { withTimeout(STEP_LIMIT_MS) { client.call(json, data) } } }
    }

    private fun start(step: JsonObject, expect: JsonElement?) {
        val json = substitute(step.getValue("start"), vars).toString()
        val data = attachment(step)
        val client = theClient()
        var op: CallOperation? = null
        val started = Outcome.of {
            op = client.start(json, data)
            JsonNull
        }
        val operation = op
        if (operation == null) {
            check(expect, started)
            return
        }
        operation.use {
            var seen = operation.progress()
            when (val whenToCancel = step["cancel_when"]) {
                null -> if ((step["expect_progress"] as? JsonPrimitive)?.booleanOrNull == true) {
                    val first = seen.version
                    waitDone(operation)
                    seen = operation.progress()
                    if (seen.version <= first) throw Failure("the progress version never grew (stayed $first)")
                    if (seen.percent.toInt() != 100) throw Failure("the last progress was ${seen.percent} percent")
                }
                JsonPrimitive("at_once") -> operation.cancel()
                else -> {
                    val stage = ((whenToCancel as? JsonObject)?.get("stage") as? JsonPrimitive)?.takeIf { it.isString }?.content
                        ?: throw Failure("cancel_when must be \"at_once\" or {\"stage\": …}, got ${short(whenToCancel)}")
                    seen = waitForStage(operation, stage)
                    operation.cancel()
                }
            }
            waitDone(operation)
            val outcome = Outcome.ofJson { operation.outcome() }
            check(expect, outcome)
            save(step["save"], outcome)
            save(step["save_progress"], Outcome(progressJson(seen)))
        }
    }

    private fun save(save: JsonElement?, outcome: Outcome) {
        if (save == null || (save is JsonObject && save.isEmpty())) return
        if (save !is JsonObject) throw Failure("`save` must be an object")
        outcome.error?.let { throw Failure("nothing to save: the call failed (${describe(it)})") }
        for ((name, path) in save) vars[name] = atPath(outcome.value ?: JsonNull, text(path))
    }

    /** README *Buffers*. */
    private fun buffer(name: String): ByteArray = when (name) {
        "raw_bgra_2x2_stride12_bottom_up" ->
            intArrayOf(0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9, 255, 0, 0, 255, 255, 255, 255, 255)
                .map { it.toByte() }.toByteArray()
        "sample_png" -> File(ROOT, "examples/assets/sample-viewport.png").readBytes()
        else -> throw Failure("unknown buffer '$name' (see the README's Buffers)")
    }
}

private fun label(step: JsonObject): String {
    for (key in listOf("call", "start")) {
        val call = (step[key] as? JsonObject)?.get("call")
        if (call != null) return "$key ${text(call)}"
    }
    return step.keys.firstOrNull { it != "expect" && it != "save" } ?: "?"
}

private fun progressJson(p: Progress): JsonElement = JsonObject(
    mapOf(
        "percent" to JsonPrimitive(p.percent.toInt()),
        "stage" to JsonPrimitive(p.stage),
        "render" to (p.renderJson?.let(Json::parseToJsonElement) ?: JsonNull),
        "version" to JsonPrimitive(p.version.toLong()),
    ),
)

/** Waits for the operation through the binding's wait (`finished`), however it ends. */
private fun waitDone(op: CallOperation) {
    val ended = runBlocking {
        withTimeoutOrNull(STEP_LIMIT_MS) {
            try {
                op.finished()
            } catch (_: RenderiqException) {
                // The outcome is read (and judged) afterwards.
            }
            true
        }
    }
    if (ended == null) throw Failure("the operation did not finish within ${STEP_LIMIT_MS / 1000} s")
}

private fun waitForStage(op: CallOperation, stage: String): Progress {
    val deadline = System.nanoTime() + STEP_LIMIT_MS * 1_000_000
    while (true) {
        val p = op.progress()
        if (p.stage == stage) return p
        if (op.isDone()) {
            val o = Outcome.ofJson { op.outcome() }
            val result = o.error?.let(::describe) ?: short(o.value)
            throw Failure("the operation finished before reaching stage '$stage' (last stage '${p.stage}'): $result")
        }
        if (System.nanoTime() > deadline) throw Failure("stage '$stage' not reached within ${STEP_LIMIT_MS / 1000} s")
        Thread.sleep(POLL_MS)
    }
}

/**
 * The typed verify entry (`Webhook.verify`); the result is the verified body, or with
 * `"event": true` the event's payload (`Webhook.verifyEvent`).
 */
private fun verifyWebhook(spec: JsonObject): Outcome {
    for (key in listOf("secret", "body", "now")) {
        if (key !in spec) throw Failure("verify_webhook needs `$key`")
    }
    val names = mapOf("id" to "webhook-id", "timestamp" to "webhook-timestamp", "signature" to "webhook-signature")
    val headers = names.mapNotNull { (key, name) -> spec[key]?.takeUnless { it is JsonNull }?.let { Header(name, text(it)) } }
    val tolerance = spec["tolerance_s"]?.let {
        (it as? JsonPrimitive)?.longOrNull?.toULong() ?: throw Failure("tolerance_s must be a whole number of seconds")
    }
    val now = (spec.getValue("now") as? JsonPrimitive)?.longOrNull ?: throw Failure("`now` must be unix seconds")
    val secret = text(spec.getValue("secret"))
    val body = text(spec.getValue("body"))
    val event = (spec["event"] as? JsonPrimitive)?.booleanOrNull == true
    return Outcome.of {
        Webhook(secret, tolerance).use { w ->
            val bytes = body.toByteArray(Charsets.UTF_8)
            if (event) {
                val view = Json.parseToJsonElement(w.verifyEvent(bytes, headers, now)) as JsonObject
                view["payload"] ?: throw Failure("verifyEvent answered no payload: $view")
            } else {
                w.verify(bytes, headers, now)
                JsonPrimitive(body)
            }
        }
    }
}
