/*
 * The Kotlin side of bench/kotlin_overhead.sh: the calls bench/ffi_overhead.rs makes on the Rust
 * SDK directly, made through the Kotlin binding (uniffi over JNA), printed in the same
 * `<name> <ns per call> <calls>` lines.
 *
 * - webhook_verify_1k: `Webhook(secret)` + `verify` of a 1 KiB body + `close`, no network (the
 *   Rust side builds its `Webhook` on every call too);
 * - render_get: `client.call("""{"call":"retrieve_render","id":…}""")` of one finished render
 *   against the local reference server, awaited in `runBlocking`;
 * - op_poll: `CallOperation.isDone()` of a finished operation (one crossing, no work).
 *
 * Each call runs untimed first (as many times as it is then timed, more than the Rust side
 * does) so the JIT has compiled the path before the clock starts.
 * Environment: RENDERIQ_BENCH_URL (absent: only webhook_verify_1k), RENDERIQ_TEST_EMAIL,
 * RENDERIQ_TEST_PASSWORD, RENDERIQ_BENCH_GET_N (as the Rust side), RENDERIQ_BENCH_VERIFY_N (a
 * tenth of the Rust side's count: each crossing costs microseconds here, nanoseconds there, and
 * 20000 timed calls after 20000 warm-up calls are plenty).
 */
package com.renderiq.bench

import com.renderiq.sdk.Client
import com.renderiq.sdk.Header
import com.renderiq.sdk.Webhook
import kotlinx.coroutines.runBlocking
import java.util.Locale

private fun envN(name: String, default: Long): Long = System.getenv(name)?.toLongOrNull() ?: default

private fun verifyN(): Long = maxOf(1, envN("RENDERIQ_BENCH_VERIFY_N", 200_000) / 10)

private fun env(name: String): String = System.getenv(name) ?: error("$name is not set: run bench/kotlin_overhead.sh")

private fun quote(s: String) = "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""

/** Keeps results alive so the JIT cannot drop the calls; checked at the end. */
private var sink = 0L

/** Runs `body(n)` untimed (warm-up), then timed; inline so `body` may suspend. */
private inline fun report(name: String, n: Long, body: (Long) -> Unit) {
    body(n) // warm-up: the same loop, untimed
    val t = System.nanoTime()
    body(n)
    val ns = (System.nanoTime() - t).toDouble() / n
    println(String.format(Locale.ROOT, "%s %.1f %d", name, ns, n))
}

fun main() {
    val secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    val ts = 1_700_000_000L
    val body = ByteArray(1024) { k -> ('a'.code + k % 26).toByte() }
    val sig = Webhook(secret).use { it.sign("msg_bench", ts, body) }
    val headers = listOf(
        Header("webhook-id", "msg_bench"),
        Header("webhook-timestamp", ts.toString()),
        Header("webhook-signature", sig),
    )
    report("webhook_verify_1k", verifyN()) { n ->
        for (i in 0 until n) {
            Webhook(secret).use { it.verify(body, headers, ts) }
            sink++
        }
    }

    val url = System.getenv("RENDERIQ_BENCH_URL") ?: return
    Client("""{"baseUrl":${quote(url)},"tokenStore":"memory"}""").use { client ->
        runBlocking {
            client.call(
                """{"call":"sign_in","email":${quote(env("RENDERIQ_TEST_EMAIL"))},"password":${quote(env("RENDERIQ_TEST_PASSWORD"))}}""",
            )
            // The Rust side's render: 64 x 64 grey BGRA pixels, standard quality.
            val pixels = ByteArray(64 * 64 * 4) { 0x80.toByte() }
            val render = client.call(
                """{"call":"render","image":{"kind":"raw","width":64,"height":64,"stride":256,"pixelFormat":"bgra8"},"settings":{"quality":"standard"}}""",
                pixels,
            )
            check(render.contains("\"status\":\"completed\"")) { "render did not complete: $render" }
            val id = Regex("\"id\":\"([^\"]+)\"").find(render)?.groupValues?.get(1) ?: error("no id in $render")
            val get = """{"call":"retrieve_render","id":${quote(id)}}"""
            check(client.call(get).contains(id)) { "retrieve_render did not answer render $id" }

            report("render_get", envN("RENDERIQ_BENCH_GET_N", 2000)) { n ->
                for (i in 0 until n) sink += client.call(get).length
            }

            client.start(get).use { op ->
                op.finished()
                report("op_poll", verifyN() * 5) { n ->
                    for (i in 0 until n) {
                        check(op.isDone())
                        sink++
                    }
                }
            }
        }
    }
    check(sink > 0)
}
