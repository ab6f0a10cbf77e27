// The hand-written Kotlin layer over uniffi's generated bindings (renderiq_uniffi.kt): progress
// as a Flow. Translation only: every rule (what a cancel does, what progress is) is the core's.
package com.renderiq.sdk

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.launch

/** How far a call got: percent, stage, the render as JSON text (render calls), version. */
typealias RenderProgress = Progress

/**
 * Makes the call when the flow is collected and emits its progress after every change, the
 * last one at 100 %; the flow completes when the call succeeded and throws the call's
 * [RenderiqException] when it failed. Cancelling the collector cancels the call with the core's
 * rule (a render it created is withdrawn while still pending, and its credits refunded).
 *
 * ```kotlin
 * client.callFlow("""{"call":"wait_for_render","id":"$id"}""")
 *     .collect { println("${it.percent}% ${it.stage}") }
 * ```
 */
fun Client.callFlow(callJson: String, data: ByteArray? = null): Flow<RenderProgress> =
    operationFlow { listener -> start(callJson, data, listener) }

/** As [callFlow], the call's picture given as a [Screenshot] (file, bytes or raw pixels). */
fun Client.callFlow(callJson: String, screenshot: Screenshot): Flow<RenderProgress> =
    operationFlow { listener -> startWithScreenshot(callJson, screenshot, listener) }

/**
 * Follows a render to its end (`wait_for_render`) as a flow of its progress; the last item's
 * [RenderProgress.renderJson] is the finished render. `timeoutMs` bounds the whole wait.
 *
 * ```kotlin
 * client.waitForRender(renderId).collect { progressBar.value = it.percent.toInt() }
 * ```
 */
fun Client.waitForRender(renderId: String, timeoutMs: Long? = null): Flow<RenderProgress> {
    val wait = if (timeoutMs == null) "" else ""","wait":{"timeoutMs":$timeoutMs}"""
    return callFlow("""{"call":"wait_for_render","id":${jsonString(renderId)}$wait}""")
}

/**
 * The progress of an operation already started with [Client.start], as a flow that completes
 * when the operation ends (throwing its error when it failed). Collecting it does not own the
 * operation: cancelling the collector stops listening only; [CallOperation.cancel] stops it.
 */
fun CallOperation.progressFlow(): Flow<RenderProgress> =
    operationFlow(ownsOperation = false) { listener -> also { it.onProgress(listener) } }

/**
 * The one flow behind the functions above: `begin` starts (or joins) an operation with the
 * listener; changes are sent in version order, the flow ends with the operation.
 */
private fun operationFlow(
    ownsOperation: Boolean = true,
    begin: (ProgressListener) -> CallOperation,
): Flow<RenderProgress> = callbackFlow {
    var lastVersion = -1L
    val listener = object : ProgressListener {
        override fun onProgress(progress: Progress) {
            // A listener added to a running call may see its first change twice or out of
            // order (the core's rule): keep the newest only.
            synchronized(this) {
                if (progress.version.toLong() <= lastVersion) return
                lastVersion = progress.version.toLong()
                trySend(progress)
            }
        }
    }
    val op = begin(listener)
    launch {
        try {
            op.finished()
            channel.close()
        } catch (e: RenderiqException) {
            channel.close(e)
        }
    }
    awaitClose {
        if (ownsOperation && !op.isDone()) op.cancel()
    }
}.buffer(Channel.UNLIMITED)
    // The operation's end repeats the last render state (its version counts the end): one item.
    .distinctUntilChanged { a, b -> a.percent == b.percent && a.stage == b.stage && a.renderJson == b.renderJson }

/** `s` as a JSON string literal. */
internal fun jsonString(s: String): String = buildString {
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
