package com.renderiq.sdk

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The uniffi binding against a reference server started by scripts/test-kotlin.sh
 * (RENDERIQ_TEST_BASE_URL, RENDERIQ_TEST_EMAIL / RENDERIQ_TEST_PASSWORD with 100000 credits).
 * Results are the core's JSON text, read here with plain string checks; TypedApiTest covers
 * the typed surface (options, screenshots, listeners, flows).
 */
class ClientTest {
    private fun env(name: String): String =
        System.getenv(name) ?: error("$name is not set: run scripts/test-kotlin.sh")

    private fun client(url: String = env("RENDERIQ_TEST_BASE_URL")): Client =
        Client("""{"baseUrl":${jsonString(url)},"tokenStore":"memory"}""")

    private suspend fun Client.signIn() = call(
        """{"call":"sign_in","email":${jsonString(env("RENDERIQ_TEST_EMAIL"))},"password":${jsonString(env("RENDERIQ_TEST_PASSWORD"))}}""",
    )

    private fun renderCall() =
        """{"call":"render","image":{"kind":"file","path":${jsonString(env("RENDERIQ_TEST_IMAGE"))}},"settings":{"prompt":"dusk"}}"""

    @Test
    fun loadsTheNativeLibrary() {
        assertTrue(sdkVersion().isNotEmpty())
        assertTrue(bindingVersion().isNotEmpty())
    }

    @Test
    fun signsInAndReadsCredits(): Unit = runBlocking {
        client().use { c ->
            val user = c.call(
                """{"call":"sign_in","email":${jsonString(env("RENDERIQ_TEST_EMAIL"))},"password":${jsonString(env("RENDERIQ_TEST_PASSWORD"))}}""",
            )
            assertTrue(user.contains(env("RENDERIQ_TEST_EMAIL")), user)
            val credits = c.call("""{"call":"credits"}""")
            // 100000 credits granted; renders by the other tests (same user) may have spent some.
            assertTrue(Regex("\"balance\":\\d+").containsMatchIn(credits), credits)
            assertTrue(credits.contains("\"totalEarned\":100000"), credits)
        }
    }

    @Test
    fun rendersAnImageFile(): Unit = runBlocking {
        client().use { c ->
            c.signIn()
            val render = c.call(renderCall())
            assertTrue(render.contains("\"status\":\"completed\""), render)
        }
    }

    @Test
    fun startsARenderOfBytesAndPollsItsProgress(): Unit = runBlocking {
        client().use { c ->
            c.signIn()
            val png = java.io.File(env("RENDERIQ_TEST_IMAGE")).readBytes()
            c.start("""{"call":"render","image":{"kind":"bytes"},"settings":{"prompt":"dusk"}}""", png).use { op ->
                var seen = 0UL
                while (!op.isDone()) {
                    val p = op.progress()
                    assertTrue(p.version >= seen, "progress version went back")
                    seen = p.version
                    delay(20)
                }
                assertEquals(100.toUByte(), op.progress().percent)
                val render = op.finished()
                assertTrue(render.contains("\"status\":\"completed\""), render)
                assertEquals(render, op.outcome())
                assertFalse(op.cancel())
            }
        }
    }

    @Test
    fun cancelledOperationReportsCancelled(): Unit = runBlocking {
        client(env("RENDERIQ_TEST_SLOW_URL")).use { c ->
            c.signIn()
            c.start(renderCall()).use { op ->
                assertTrue(op.cancel())
                assertThrows<RenderiqException.Cancelled> { runBlocking { op.finished() } }
                assertTrue(op.isCancelled())
            }
        }
    }

    @Test
    fun cancellingTheCoroutineStopsTheWait(): Unit = runBlocking {
        client(env("RENDERIQ_TEST_SLOW_URL")).use { c ->
            c.signIn()
            val started = System.nanoTime()
            assertThrows<TimeoutCancellationException> {
                runBlocking { withTimeout(500) { c.call(renderCall()) } }
            }
            val ms = (System.nanoTime() - started) / 1_000_000
            // The render takes 3 s on this server: the wait ended with the coroutine.
            assertTrue(ms < 2500, "cancellation took $ms ms")
        }
    }

    private suspend fun Client.balance(): Long {
        val credits = call("""{"call":"credits"}""")
        return Regex("\"balance\":(-?\\d+)").find(credits)?.groupValues?.get(1)?.toLong()
            ?: error("no balance in $credits")
    }

    private suspend fun Client.awaitBalance(expected: Long) {
        withTimeout(30_000) {
            while (balance() != expected) delay(20)
        }
    }

    /**
     * Cancelling the coroutine of a render call whose render is still pending withdraws the
     * render and refunds it (the core's rule). The server has one worker, kept busy for 20 s by
     * a render created first, so the second render is certainly pending when it is cancelled.
     */
    @Test
    fun cancellingTheCoroutineWithdrawsAPendingRender(): Unit = runBlocking {
        client(env("RENDERIQ_TEST_WITHDRAW_URL")).use { c ->
            c.call(
                """{"call":"sign_in","email":${jsonString(env("RENDERIQ_TEST_WITHDRAW_EMAIL"))},"password":${jsonString(env("RENDERIQ_TEST_PASSWORD"))}}""",
            )
            val image = """"image":{"kind":"file","path":${jsonString(env("RENDERIQ_TEST_IMAGE"))}}"""
            c.call("""{"call":"create_render",$image,"settings":{"prompt":"keeps the worker busy","quality":"standard"}}""")
            val before = c.balance()
            val job = launch(Dispatchers.Default) {
                c.call("""{"call":"render",$image,"settings":{"prompt":"withdrawn","quality":"standard"}}""")
            }
            c.awaitBalance(before - 5) // created (and charged), pending behind the busy worker
            job.cancelAndJoin()
            c.awaitBalance(before) // withdrawn and refunded
            val page = c.call("""{"call":"list_renders"}""")
            assertTrue(page.contains("\"status\":\"cancelled\""), page)
        }
    }

    @Test
    fun wrongPasswordIsAnAuthError(): Unit = runBlocking {
        client().use { c ->
            val e = assertThrows<RenderiqException.Auth> {
                runBlocking {
                    c.call("""{"call":"sign_in","email":${jsonString(env("RENDERIQ_TEST_EMAIL"))},"password":"wrong password"}""")
                }
            }
            assertEquals(401.toUShort(), e.status)
            assertNotNull(e.requestId)
        }
    }

    @Test
    fun badConfigIsAConfigError() {
        assertThrows<RenderiqException.Config> { Client("""{"nope":1}""") }
    }

    @Test
    fun webhookSignsAndVerifies() {
        val secret = generateWebhookSecret()
        Webhook(secret).use { w ->
            val body = """{"type":"render.completed"}""".toByteArray()
            val ts = System.currentTimeMillis() / 1000
            val sig = w.sign("msg_1", ts, body)
            w.verify(
                body,
                listOf(Header("webhook-id", "msg_1"), Header("webhook-timestamp", ts.toString()), Header("webhook-signature", sig)),
            )
            assertThrows<RenderiqException.WebhookVerification> {
                w.verify("{}".toByteArray(), listOf(Header("webhook-id", "msg_1"), Header("webhook-timestamp", ts.toString()), Header("webhook-signature", sig)), null)
            }
        }
    }
}
