// The Kotlin example of the Renderiq SDK (issue 13): signs in, renders an image file while
// printing its progress, downloads the result and prints what it cost.
//
//   RENDERIQ_PASSWORD=… java -Djna.library.path=DIR -cp CLASSPATH com.renderiq.example.MainKt \
//       --base-url URL --email E --password-env RENDERIQ_PASSWORD \
//       --image viewport.png --prompt "warm evening light" --out render.png
//
// See README.md for building it. Exit codes: 0 done, 1 the SDK reported an error, 2 bad arguments.
package com.renderiq.example

import com.renderiq.sdk.Client
import com.renderiq.sdk.ClientOptions
import com.renderiq.sdk.RenderiqException
import com.renderiq.sdk.Screenshot
import com.renderiq.sdk.TokenStore
import com.renderiq.sdk.fields
import com.renderiq.sdk.waitForRender
import kotlin.system.exitProcess
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.runBlocking

private const val USAGE = """usage: renderiq-example --base-url URL --email EMAIL
                        (--password-env VAR | --password-stdin)
                        --image PATH --prompt TEXT --out PATH [--platform PLATFORM]

Signs in, renders the image at PATH with the prompt, prints its progress and saves the
result to --out. The password is read from the environment variable VAR or from the first
line of standard input, never from the command line."""

/** The command line, checked. */
data class Args(
    val baseUrl: String,
    val email: String,
    val password: String,
    val image: String,
    val prompt: String,
    val out: String,
    val platform: String?,
)

/** Thrown for a bad command line: the message says what is wrong. */
class UsageException(message: String) : Exception(message)

fun parseArgs(argv: Array<String>, env: (String) -> String? = System::getenv, stdin: () -> String? = ::readLine): Args {
    val values = mutableMapOf<String, String>()
    var passwordStdin = false
    val withValue = setOf("--base-url", "--email", "--password-env", "--image", "--prompt", "--out", "--platform")
    var i = 0
    while (i < argv.size) {
        val flag = argv[i]
        when {
            flag == "--password-stdin" -> passwordStdin = true
            flag in withValue -> {
                val value = argv.getOrNull(i + 1) ?: throw UsageException("$flag needs a value")
                if (values.put(flag, value) != null) throw UsageException("$flag given twice")
                i++
            }
            else -> throw UsageException("unknown argument: $flag")
        }
        i++
    }
    fun required(flag: String) = values[flag] ?: throw UsageException("$flag is required")

    val password = when {
        passwordStdin && "--password-env" in values ->
            throw UsageException("give --password-env or --password-stdin, not both")
        passwordStdin -> stdin() ?: throw UsageException("--password-stdin: standard input is empty")
        "--password-env" in values -> {
            val name = values.getValue("--password-env")
            env(name) ?: throw UsageException("--password-env: $name is not set")
        }
        else -> throw UsageException("--password-env VAR or --password-stdin is required")
    }
    return Args(
        baseUrl = required("--base-url"),
        email = required("--email"),
        password = password,
        image = required("--image"),
        prompt = required("--prompt"),
        out = required("--out"),
        platform = values["--platform"],
    )
}

fun main(argv: Array<String>) {
    if (argv.any { it == "-h" || it == "--help" }) {
        println(USAGE)
        return
    }
    val args = try {
        parseArgs(argv)
    } catch (e: UsageException) {
        System.err.println("error: ${e.message}\n\n$USAGE")
        exitProcess(2)
    }
    try {
        runBlocking { run(args) }
    } catch (e: RenderiqException) {
        val (reason, hint) = e.fields.let { it.reason to it.hint }
        System.err.println("error: ${e.javaClass.simpleName}: $reason")
        if (hint != null) System.err.println("hint: $hint")
        exitProcess(1)
    }
}

/** Sign in, render with progress, download. */
suspend fun run(args: Args) {
    val options = ClientOptions(baseUrl = args.baseUrl, platform = args.platform, tokenStore = TokenStore.Memory)
    Client.withOptions(options).use { client ->
        client.call("""{"call":"sign_in","email":${json(args.email)},"password":${json(args.password)}}""")
        println("signed in as ${args.email}")

        // Uploads the picture and queues the render; returns at once with the render (pending).
        val created = client.callWithScreenshot(
            """{"call":"create_render","settings":{"prompt":${json(args.prompt)}}}""",
            Screenshot.File(args.image),
        )
        val id = stringField(created, "id") ?: error("no render id in $created")
        println("render $id created, cost ${numberField(created, "creditsCost")} credits")

        // One line per change of percent or stage until the render is done; a failed render
        // ends the flow with RenderiqException.RenderFailed.
        client.waitForRender(id)
            .distinctUntilChanged { a, b -> a.percent == b.percent && a.stage == b.stage }
            .collect { println("progress ${it.percent}% ${it.stage ?: ""}".trimEnd()) }

        val download = client.call("""{"call":"download_render","id":${json(id)},"path":${json(args.out)}}""")
        println("saved ${args.out} (${numberField(download, "bytes")} bytes)")

        val credits = client.call("""{"call":"credits"}""")
        println("credits left: ${numberField(credits, "balance")}")
    }
}

/** `s` as a JSON string literal. */
fun json(s: String): String = buildString {
    append('"')
    for (c in s) {
        when {
            c == '"' -> append("\\\"")
            c == '\\' -> append("\\\\")
            c < ' ' -> append("\\u%04x".format(c.code))
            else -> append(c)
        }
    }
    append('"')
}

// The results are small flat JSON objects: a regex is enough for the fields printed here
// (a real program would use its JSON library).

/** The first string field `name` in `json` (ids hold no escapes). */
fun stringField(json: String, name: String): String? =
    Regex("\"${Regex.escape(name)}\"\\s*:\\s*\"([^\"\\\\]*)\"").find(json)?.groupValues?.get(1)

/** The first number field `name` in `json`. */
fun numberField(json: String, name: String): Long? =
    Regex("\"${Regex.escape(name)}\"\\s*:\\s*(-?\\d+)").find(json)?.groupValues?.get(1)?.toLong()
