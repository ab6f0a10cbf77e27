package com.renderiq.sdk

import java.nio.file.Files
import java.util.Collections
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The typed surface beside the call JSON: progress listeners and flows, typed options and token
 * stores, screenshots (file, bytes, raw pixels), hints in Kotlin's names, downloads. Against the
 * reference server of scripts/test-kotlin.sh.
 */
class TypedApiTest {
    private fun env(name: String): String =
        System.getenv(name) ?: error("$name is not set: run scripts/test-kotlin.sh")

    private fun options(store: TokenStore = TokenStore.Memory) =
        ClientOptions(baseUrl = env("RENDERIQ_TEST_BASE_URL"), tokenStore = store)

    private suspend fun Client.signIn() = call(
        """{"call":"sign_in","email":${jsonString(env("RENDERIQ_TEST_EMAIL"))},"password":${jsonString(env("RENDERIQ_TEST_PASSWORD"))}}""",
    )

    private val renderCall = """{"call":"render","settings":{"prompt":"dusk"}}"""

    private fun field(json: String, name: String): String? =
        Regex("\"$name\":\"([^\"]*)\"").find(json)?.groupValues?.get(1)

    @Test
    fun aProgressListenerHearsEveryChangeInOrderAndTheEnd(): Unit = runBlocking {
        Client.withOptions(options()).use { c ->
            c.signIn()
            val seen = Collections.synchronizedList(mutableListOf<Progress>())
            val listener = object : ProgressListener {
                override fun onProgress(progress: Progress) {
                    seen.add(progress)
                }
            }
            val render = c.callWithScreenshot(renderCall, Screenshot.File(env("RENDERIQ_TEST_IMAGE")), listener)
            assertEquals("completed", field(render, "status"), render)
            val versions = seen.map { it.version }
            assertTrue(versions.size >= 3, "uploading, a render state and the end: $versions")
            assertEquals(versions.sorted(), versions, "versions in order")
            assertEquals(100.toUByte(), seen.last().percent)
            assertTrue(seen.any { it.renderJson?.contains("\"status\"") == true }, "render states reported")
        }
    }

    @Test
    fun aFlowFollowsARenderToItsEnd(): Unit = runBlocking {
        Client.withOptions(options()).use { c ->
            c.signIn()
            val png = Files.readAllBytes(java.nio.file.Path.of(env("RENDERIQ_TEST_IMAGE")))
            val created = c.callWithScreenshot("""{"call":"create_render","settings":{"prompt":"flow"}}""", Screenshot.Bytes(png))
            val id = field(created, "id") ?: error("no id in $created")
            val steps = c.waitForRender(id).toList()
            val percents = steps.map { it.percent.toInt() }
            assertEquals(percents.sorted(), percents, "percent never goes back: $percents")
            assertEquals(100, percents.last())
            assertEquals("completed", field(steps.last().renderJson ?: "", "status"), steps.last().toString())
        }
    }

    @Test
    fun aFailedCallEndsItsFlowWithTheTypedError(): Unit = runBlocking {
        Client.withOptions(options()).use { c ->
            c.signIn()
            val e = assertThrows<RenderiqException.NotFound> {
                runBlocking { c.waitForRender("r_doesnotexist").toList() }
            }
            assertEquals(404.toUShort(), e.status)
        }
    }

    @Test
    fun rawPixelsWithAStrideRender(): Unit = runBlocking {
        Client.withOptions(options()).use { c ->
            c.signIn()
            // 64x48 BGRA with 8 bytes of padding per row, bottom-up as OpenGL reads back.
            val width = 64
            val height = 48
            val stride = width * 4 + 8
            val pixels = ByteArray(stride * height) { i -> (i % 251).toByte() }
            val shot = Screenshot.Raw(width.toUInt(), height.toUInt(), stride.toULong(), PixelFormat.BGRA8, true, pixels)
            val render = c.callWithScreenshot(renderCall, shot)
            assertEquals("completed", field(render, "status"), render)

            val short = Screenshot.Raw(width.toUInt(), height.toUInt(), stride.toULong(), PixelFormat.RGBA8, false, ByteArray(10))
            val e = assertThrows<RenderiqException.Validation> { runBlocking { c.callWithScreenshot(renderCall, short) } }
            assertTrue(e.reason.isNotEmpty())
        }
    }

    @Test
    fun hintsNameKotlinsCalls(): Unit = runBlocking {
        Client.withOptions(options()).use { c ->
            val e = assertThrows<RenderiqException.Auth> { runBlocking { c.call("""{"call":"credits"}""") } }
            val hint = e.hint ?: error("no hint on $e")
            assertTrue(hint.contains("signIn"), hint)
            assertTrue(!hint.contains("sign_in"), hint)
        }
    }

    @Test
    fun everyErrorsFieldsAreReadableOnTheSealedParent(): Unit = runBlocking {
        Client.withOptions(options()).use { c ->
            val e: RenderiqException = assertThrows<RenderiqException> {
                runBlocking { c.call("""{"call":"sign_in","email":${jsonString(env("RENDERIQ_TEST_EMAIL"))},"password":"wrong"}""") }
            }
            val f = e.fields
            assertEquals(401, f.status)
            assertTrue(f.reason.isNotEmpty() && f.requestId != null, f.toString())
            assertTrue(f.hint?.contains("signIn") == true, f.toString())
            assertEquals((e as RenderiqException.Auth).reason, f.reason)
        }
    }

    @Test
    fun anEncryptedFileStoreKeepsTheSessionForTheNextClient(): Unit = runBlocking {
        val dir = Files.createTempDirectory("renderiq-kotlin")
        try {
            val store = TokenStore.EncryptedFile(dir.resolve("session.rqts").toString(), "kotlin test passphrase")
            Client.withOptions(options(store)).use { it.signIn() }
            val bytes = Files.readAllBytes(dir.resolve("session.rqts"))
            val text = String(bytes, Charsets.ISO_8859_1)
            assertTrue(bytes.isNotEmpty() && !text.contains("eyJ"), "the session file holds no token in clear")
            Client.withOptions(options(store)).use { again ->
                assertEquals("true", again.call("""{"call":"is_signed_in"}"""))
            }
            val wrong = TokenStore.EncryptedFile(dir.resolve("session.rqts").toString(), "another passphrase")
            Client.withOptions(options(wrong)).use { other ->
                assertThrows<RenderiqException.TokenStore> { runBlocking { other.call("""{"call":"credits"}""") } }
            }
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    @Test
    fun downloadsACompletedRender(): Unit = runBlocking {
        Client.withOptions(options()).use { c ->
            c.signIn()
            val render = c.callWithScreenshot(renderCall, Screenshot.File(env("RENDERIQ_TEST_IMAGE")))
            val id = field(render, "id") ?: error("no id in $render")
            val dir = Files.createTempDirectory("renderiq-kotlin")
            try {
                val out = dir.resolve("render.png")
                val answer = c.call("""{"call":"download_render","id":${jsonString(id)},"path":${jsonString(out.toString())}}""")
                val bytes = Files.readAllBytes(out)
                assertTrue(answer.contains("\"bytes\":${bytes.size}"), answer)
                // PNG or JPEG signature: a real image, not an error page.
                val png = bytes.size > 8 && bytes[0] == 0x89.toByte() && bytes[1] == 'P'.code.toByte()
                val jpeg = bytes.size > 3 && bytes[0] == 0xFF.toByte() && bytes[1] == 0xD8.toByte()
                assertTrue(png || jpeg, "not an image: ${bytes.take(8)}")
            } finally {
                dir.toFile().deleteRecursively()
            }
        }
    }

    @Test
    fun badOptionsAreAConfigErrorNamingTheValue() {
        val e = assertThrows<RenderiqException.Config> {
            Client.withOptions(ClientOptions(baseUrl = "not a url", tokenStore = TokenStore.Memory))
        }
        assertTrue(e.reason.contains("not a url") || e.reason.contains("URL") || e.reason.contains("url"), e.reason)
    }
}
