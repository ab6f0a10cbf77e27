// The README's matching rules (SUBSET, matchers), `${name}` variables and result paths, on
// kotlinx.serialization's JSON trees.
package com.renderiq.conformance

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull

/** A step did not meet its expectation. */
class Failure(message: String) : Exception(message)

/** JSON text of a value, cut at 300 characters for messages. */
fun short(value: JsonElement?): String {
    val text = (value ?: JsonNull).toString()
    return if (text.length <= 300) text else text.take(300) + "…"
}

/** The value of a JSON number; `null` for strings, booleans, `null` and containers. */
fun JsonElement?.numberOrNull(): Double? {
    val p = this as? JsonPrimitive ?: return null
    if (p.isString || p is JsonNull || p.booleanOrNull != null) return null
    return p.content.toDoubleOrNull()
}

/**
 * README *Expectations*: objects by the keys of [want] (a `null` there also matches an absent
 * key), arrays element-wise with the same length, scalars equal (numbers by value); the `$any`,
 * `$range`, `$contains` matchers. Throws [Failure] saying where they differ.
 */
fun subset(want: JsonElement, have: JsonElement, path: String = "$") {
    if (want is JsonObject && want.size == 1) {
        val (name, arg) = want.entries.first()
        when (name) {
            "\$any" -> {
                if (have is JsonNull) throw Failure("$path is null, expected a value")
                return
            }
            "\$range" -> {
                val bounds = (arg as? JsonArray)?.map { it.numberOrNull() }
                val (lo, hi) = bounds?.takeIf { it.size == 2 && null !in it }?.map { it!! }
                    ?: throw Failure("$path: \$range needs [low, high], got ${short(arg)}")
                val x = have.numberOrNull()
                if (x == null || x < lo || x > hi) {
                    throw Failure("$path is ${short(have)}, expected a number from ${short(arg)}")
                }
                return
            }
            "\$contains" -> {
                val needle = (arg as? JsonPrimitive)?.takeIf { it.isString }?.content
                    ?: throw Failure("$path: \$contains needs a string, got ${short(arg)}")
                val text = (have as? JsonPrimitive)?.takeIf { it.isString }?.content
                if (text == null || needle !in text) {
                    throw Failure("$path is ${short(have)}, expected a string containing ${short(arg)}")
                }
                return
            }
        }
    }
    val wantNumber = want.numberOrNull()
    val haveNumber = have.numberOrNull()
    when {
        want is JsonObject && have is JsonObject -> for ((key, w) in want) {
            val h = have[key]
            if (h != null) {
                subset(w, h, "$path.$key")
            } else if (w !is JsonNull) {
                throw Failure("$path.$key is missing (expected ${short(w)})")
            }
        }
        want is JsonArray && have is JsonArray -> {
            if (want.size != have.size) {
                throw Failure("$path has ${have.size} elements, expected ${want.size}: ${short(have)}")
            }
            want.zip(have).forEachIndexed { i, (w, h) -> subset(w, h, "$path[$i]") }
        }
        wantNumber != null && haveNumber != null ->
            if (wantNumber != haveNumber) throw Failure("$path is ${short(have)}, expected ${short(want)}")
        want != have -> throw Failure("$path is ${short(have)}, expected ${short(want)}")
    }
}

private val VAR = Regex("""\$\{([^}]*)\}""")

/**
 * `${name}` replaced by a variable: a string that is exactly `"${name}"` becomes the value
 * itself; inside a longer string a string value is spliced in as it is, anything else as its
 * JSON text. An unknown name is a [Failure].
 */
fun substitute(value: JsonElement, vars: Map<String, JsonElement>): JsonElement = when (value) {
    is JsonObject -> JsonObject(value.mapValues { substitute(it.value, vars) })
    is JsonArray -> JsonArray(value.map { substitute(it, vars) })
    is JsonPrimitive -> if (!value.isString) {
        value
    } else {
        val whole = VAR.matchEntire(value.content)
        whole?.let { lookup(it.groupValues[1], vars) }
            ?: JsonPrimitive(VAR.replace(value.content) { text(lookup(it.groupValues[1], vars)) })
    }
}

private fun lookup(name: String, vars: Map<String, JsonElement>): JsonElement =
    vars[name] ?: throw Failure("variable \${$name} is not set (no setup value or saved variable)")

/** A string's own text, anything else as JSON text. */
fun text(value: JsonElement): String =
    if (value is JsonPrimitive && value.isString) value.content else value.toString()

/** The part of [value] at a dot-separated path of object keys and array indices; `""` is all. */
fun atPath(value: JsonElement, path: String): JsonElement {
    if (path.isEmpty()) return value
    var cur = value
    for (seg in path.split('.')) {
        val index = seg.takeIf { s -> s.isNotEmpty() && s.all { it.isDigit() } }?.toIntOrNull()
        cur = when {
            cur is JsonObject && seg in cur -> cur.getValue(seg)
            cur is JsonArray && index != null && index < cur.size -> cur[index]
            else -> throw Failure("the result has no '$seg' at path '$path'")
        }
    }
    return cur
}
