// Hand-written beside uniffi's generated bindings: the fields every RenderiqException carries,
// readable on the sealed parent. uniffi declares them on each subclass; this is the one `when`
// over the subclasses (the compiler checks that it covers them all).
package com.renderiq.sdk

/** The fields of a [RenderiqException], whatever its subclass. */
data class ErrorFields(
    /** What happened (the core's message). */
    val reason: String,
    /** What to do next, naming Kotlin's calls (`signIn`, `createRender`). */
    val hint: String?,
    /** The API's error code (`INSUFFICIENT_CREDITS`, ...). */
    val code: String?,
    /** The HTTP status. */
    val status: Int?,
    /** The server's request id, for support. */
    val requestId: String?,
    /** The API's details as JSON text (field errors, ...). */
    val details: String?,
    /** How long to wait before retrying (rate limits, 503). */
    val retryAfterMs: Long?,
    /** Credits the render needs (insufficient credits). */
    val requiredCredits: Long?,
    /** Credits the account has (insufficient credits). */
    val availableCredits: Long?,
)

/**
 * The error's fields on the sealed parent, so one `catch (e: RenderiqException)` reads them:
 *
 * ```kotlin
 * catch (e: RenderiqException) { System.err.println("${e.fields.reason}: ${e.fields.hint}") }
 * ```
 */
val RenderiqException.fields: ErrorFields
    get() = when (this) {
        is RenderiqException.Auth -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.PermissionDenied -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.NotFound -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Validation -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.InsufficientCredits -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.RateLimit -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Conflict -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Server -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.RenderFailed -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Network -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Timeout -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Cancelled -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Image -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.WebhookVerification -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.TokenStore -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Config -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Decode -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
        is RenderiqException.Other -> ErrorFields(reason, hint, code, status?.toInt(), requestId, details, retryAfterMs?.toLong(), requiredCredits, availableCredits)
    }
