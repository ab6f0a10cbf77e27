// The Kotlin conformance runner: every scenario of tests/conformance/scenarios through the
// Kotlin binding's generic entries (`Client.call` / `Client.start`), one line each, then
// `N passed, N failed`. See tests/conformance/README.md.
//
//     java -Djna.library.path=<dir of librenderiq_uniffi.so> -cp … com.renderiq.conformance.MainKt [STEM ...]
//
// Built and run by scripts/test-conformance.sh (runner_kotlin), which sets the
// RENDERIQ_CONFORMANCE_* environment. Exits 1 when a scenario failed, 2 when the setup is
// missing.
package com.renderiq.conformance

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import java.io.File
import kotlin.system.exitProcess

/** The repository root: RENDERIQ_CONFORMANCE_ROOT, else the folder above that holds the scenarios. */
val ROOT: File = System.getenv("RENDERIQ_CONFORMANCE_ROOT")?.takeIf { it.isNotEmpty() }?.let(::File)
    ?: generateSequence(File("").absoluteFile) { it.parentFile }
        .firstOrNull { File(it, "tests/conformance/scenarios").isDirectory }
    ?: File("").absoluteFile

/** What scripts/test-conformance.sh hands every runner. */
class Setup {
    private val servers: JsonObject
    private val users: JsonObject

    init {
        val serversText = System.getenv("RENDERIQ_CONFORMANCE_SERVERS")?.takeIf { it.isNotEmpty() }
            ?: throw IllegalStateException(
                "RENDERIQ_CONFORMANCE_SERVERS is not set: run scripts/test-conformance.sh, " +
                    "or set it to {\"default\": \"http://127.0.0.1:PORT\", …}",
            )
        val usersPath = System.getenv("RENDERIQ_CONFORMANCE_USERS")?.takeIf { it.isNotEmpty() }
            ?: throw IllegalStateException(
                "RENDERIQ_CONFORMANCE_USERS is not set: it names the users JSON file that scripts/test-conformance.sh writes",
            )
        servers = Json.parseToJsonElement(serversText).jsonObject
        users = Json.parseToJsonElement(File(usersPath).readText()).jsonObject
    }

    /** The setup values of one scenario: its account, its server, the asset folders. */
    fun values(stem: String, server: String): Map<String, JsonElement> {
        val user = users[stem] as? JsonObject ?: throw Failure("the users file has no account for scenario '$stem'")
        val baseUrl = servers[server] ?: throw Failure("no server '$server' in RENDERIQ_CONFORMANCE_SERVERS")
        return mapOf(
            "email" to user.getValue("email"),
            "password" to user.getValue("password"),
            "base_url" to baseUrl,
            "assets" to JsonPrimitive(File(ROOT, "examples/assets").path),
            "vectors" to JsonPrimitive(File(ROOT, "tests/vectors").path),
        )
    }
}

fun main(args: Array<String>) {
    val only = args.filter { it.isNotBlank() }
    val setup = try {
        Setup()
    } catch (e: Exception) {
        System.err.println("conformance: ${e.message}")
        exitProcess(2)
    }
    var passed = 0
    var failed = 0
    val files = File(ROOT, "tests/conformance/scenarios").listFiles { f -> f.name.endsWith(".json") }.orEmpty().sortedBy { it.name }
    for (file in files) {
        val stem = file.nameWithoutExtension
        if (only.isNotEmpty() && stem !in only && file.name !in only) continue
        val why = try {
            val doc = Json.parseToJsonElement(file.readText()).jsonObject
            val steps = doc["steps"] as? JsonArray ?: throw Failure("the scenario has no `steps` list")
            Scenario(setup, doc, stem).run(steps)
            null
        } catch (f: Failure) {
            f.message
        } catch (e: Exception) { // a runner bug still counts the scenario as failed
            "the runner raised ${e.javaClass.name}: ${e.message}"
        }
        if (why == null) {
            passed++
            println("ok   ${file.name}")
        } else {
            failed++
            println("FAIL ${file.name}: $why")
        }
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
