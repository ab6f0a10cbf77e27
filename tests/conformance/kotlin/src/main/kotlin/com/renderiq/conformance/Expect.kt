// A step's outcome and the README's expectations (`ok`, `ok_any`, `error`) checked against it.
package com.renderiq.conformance

import com.renderiq.sdk.RenderiqException
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/** What a step produced: a result or the exception it raised. */
class Outcome(val value: JsonElement? = null, val error: Exception? = null) {
    companion object {
        /**
         * Runs [block]; every exception is an outcome the expectation judges, except the
         * runner's own [Failure]s and a step that ran past its time limit.
         */
        fun of(block: () -> JsonElement): Outcome = try {
            Outcome(block())
        } catch (f: Failure) {
            throw f
        } catch (e: TimeoutCancellationException) {
            throw Failure("the call did not end within ${STEP_LIMIT_MS / 1000} s")
        } catch (e: Exception) {
            Outcome(error = e)
        }

        /** [of] for a binding entry that answers JSON text. */
        fun ofJson(block: () -> String?): Outcome = of { block()?.let(Json::parseToJsonElement) ?: JsonNull }
    }
}

private val ERROR_KEYS = setOf("kind", "class", "code", "status", "fields", "hintCalls", "hintExcludes", "messageContains")

/** The class stems of the core's error table (`renderiq_sdk::error_table::CLASSES`). */
private val CLASS_STEMS = setOf(
    "Auth", "PermissionDenied", "NotFound", "Validation", "InsufficientCredits", "RateLimit", "Conflict",
    "Server", "RenderFailed", "Network", "Timeout", "Cancelled", "Image", "WebhookVerification", "TokenStore",
    "Config", "Decode",
)

/**
 * The core's `ErrorKind` wire names of the two class stems that differ from them (the sealed
 * `RenderiqException`'s subclasses are named by the error table's stems, as every binding's).
 */
private val KIND_OF_STEM = mapOf("Validation" to "invalid_input", "RateLimit" to "rate_limited")

/** Checks [outcome] against [expect]; a missing `expect` means `{"ok_any": true}`. */
fun check(expect: JsonElement?, outcome: Outcome) {
    val want = expect ?: JsonObject(mapOf("ok_any" to JsonPrimitive(true)))
    if (want !is JsonObject || want.size != 1) {
        throw Failure("`expect` needs exactly one of ok, ok_any, error: ${short(want)}")
    }
    want["error"]?.let { wantError ->
        val e = outcome.error ?: throw Failure("expected an error, the call succeeded with ${short(outcome.value)}")
        checkError(wantError, e)
        return
    }
    outcome.error?.let { throw Failure("expected success, got ${describe(it)}") }
    val ok = want["ok"]
    if (ok != null) {
        try {
            subset(ok, outcome.value ?: JsonNull)
        } catch (why: Failure) {
            throw Failure("${why.message}; the result was ${short(outcome.value)}")
        }
    } else if ("ok_any" !in want) {
        throw Failure("unknown expectation ${short(want)}")
    }
}

/** The exception in a message: its class, reason, code and status. */
fun describe(e: Exception): String = if (e is RenderiqException) {
    "RenderiqException.${e.javaClass.simpleName}: ${e.field("reason")} (code ${e.field("code")}, status ${e.field("status")})"
} else {
    "${e.javaClass.name}: ${e.message}"
}

private fun checkError(want: JsonElement, e: Exception) {
    if (want !is JsonObject) throw Failure("`error` must be an object, got ${short(want)}")
    want.keys.firstOrNull { it !in ERROR_KEYS }?.let { throw Failure("unknown key '$it' in an error expectation") }
    val about = "the error was ${describe(e)}"
    if (e !is RenderiqException) throw Failure("expected a RenderiqException; $about")
    want["kind"]?.let { kind ->
        if (text(kind) != e.kind()) throw Failure("kind is ${e.kind()}, expected ${text(kind)}; $about")
    }
    want["class"]?.let { stem ->
        if (text(stem) !in CLASS_STEMS) throw Failure("${text(stem)} is no class stem of the error table")
        val name = text(stem)
        val cls = try {
            Class.forName("com.renderiq.sdk.RenderiqException\$$name")
        } catch (_: ClassNotFoundException) {
            null
        }
        if (cls == null || !RenderiqException::class.java.isAssignableFrom(cls)) {
            throw Failure("the binding has no error class RenderiqException.$name")
        }
        if (e.javaClass != cls) throw Failure("class is ${e.javaClass.simpleName}, expected $name; $about")
    }
    for (key in listOf("code", "status")) {
        val w = want[key] ?: continue
        try {
            subset(w, e.jsonField(key))
        } catch (why: Failure) {
            throw Failure("$key: ${why.message}; $about")
        }
    }
    val fields = want["fields"]
    if (fields != null && fields !is JsonObject) throw Failure("`fields` must be an object, got ${short(fields)}")
    for ((name, w) in (fields as? JsonObject).orEmpty()) {
        try {
            subset(w, e.jsonField(name))
        } catch (why: Failure) {
            throw Failure("field $name: ${why.message}; $about")
        }
    }
    val hint = e.field("hint") as String? ?: ""
    if (hint.isNotEmpty() && hint !in e.message.orEmpty()) throw Failure("the hint '$hint' is not in the exception's message; $about")
    for (call in strings(want["hintCalls"], "hintCalls")) {
        val method = lowerCamel(call) // Kotlin's methods: createRender, isSignedIn, credits
        if (method !in hint) throw Failure("the hint '$hint' does not name $method; $about")
    }
    for (word in strings(want["hintExcludes"], "hintExcludes")) {
        if (word in hint) throw Failure("the hint '$hint' names '$word'; $about")
    }
    val reason = e.field("reason") as String? ?: ""
    for (word in strings(want["messageContains"], "messageContains")) {
        if (word !in reason) throw Failure("the message '$reason' lacks '$word'")
    }
}

private fun strings(value: JsonElement?, key: String): List<String> = when (value) {
    null -> emptyList()
    is JsonArray -> value.map { (it as? JsonPrimitive)?.takeIf { p -> p.isString }?.content ?: throw Failure("`$key` must be a list of strings") }
    else -> throw Failure("`$key` must be a list of strings, got ${short(value)}")
}

/** `create_render` → `createRender`: the Kotlin method of a call. */
fun lowerCamel(call: String): String =
    call.split('_').mapIndexed { i, part -> if (i == 0) part else part.replaceFirstChar { it.uppercaseChar() } }.joinToString("")

/** The core's `ErrorKind` wire name of the subclass: `NotFound` → `not_found`, `Validation` → `invalid_input`. */
private fun RenderiqException.kind(): String =
    KIND_OF_STEM[javaClass.simpleName] ?: javaClass.simpleName.replace(Regex("(?<!^)([A-Z])"), "_$1").lowercase()

/**
 * A field of the exception. uniffi declares the fields on every subclass, not on the sealed
 * parent, so they are read through the getter every subclass has (as C#'s runner reads its
 * exceptions' properties).
 */
private fun RenderiqException.field(name: String): Any? {
    val getter = "get" + name.replaceFirstChar { it.uppercaseChar() }
    // A getter returning an inline class (UShort?, ULong?) may carry a mangled suffix.
    val method = javaClass.methods.firstOrNull { it.parameterCount == 0 && (it.name == getter || it.name.startsWith("$getter-")) }
        ?: throw Failure("RenderiqException.${javaClass.simpleName} has no property $name")
    return method.invoke(this)
}

/** The error table's camelCase fields, as the Kotlin exception carries them, as JSON. */
private fun RenderiqException.jsonField(name: String): JsonElement = when (name) {
    "kind" -> JsonPrimitive(kind())
    "message" -> json(field("reason"))
    "details" -> (field("details") as String?)?.let(Json::parseToJsonElement) ?: JsonNull
    "retryAfter" -> (field("retryAfterMs") as ULong?)?.let { JsonPrimitive(it.toLong() / 1000.0) } ?: JsonNull
    "code", "hint", "status", "requestId", "requiredCredits", "availableCredits" -> json(field(name))
    else -> throw Failure("'$name' is not a field of the error table")
}

private fun json(value: Any?): JsonElement = when (value) {
    null -> JsonNull
    is String -> JsonPrimitive(value)
    is UShort -> JsonPrimitive(value.toInt())
    is ULong -> JsonPrimitive(value.toLong())
    is Number -> JsonPrimitive(value)
    else -> throw Failure("cannot read a ${value.javaClass.name} as JSON")
}
