# frozen_string_literal: true

require "json"

module Renderiq
  # Base class of every error the SDK raises. Rescue it to handle them all.
  #
  # Each error carries what the Renderiq API said, where it said something:
  #
  #   begin
  #     client.create_render(image: "view.png", quality: :ultra)
  #   rescue Renderiq::InsufficientCreditsError => e
  #     puts "needs #{e.required_credits}, has #{e.available_credits}"
  #   rescue Renderiq::RateLimitError => e
  #     sleep e.retry_after
  #     retry
  #   rescue Renderiq::Error => e
  #     warn "#{e.message} (#{e.kind}, request #{e.request_id})"
  #   end
  class Error < StandardError
    # @return [Symbol] what went wrong: +:auth+, +:not_found+, +:invalid_input+, +:rate_limited+, …
    attr_reader :kind
    # @return [String, nil] the API's +errorCode+, e.g. +"INSUFFICIENT_CREDITS"+
    attr_reader :code
    # @return [Integer, nil] HTTP status of the failed response, if the server answered
    attr_reader :status
    # @return [String, nil] the server's id of the failed request; quote it to support
    attr_reader :request_id
    # @return [Hash, Array, nil] structured details, e.g. field errors of a validation error
    attr_reader :details
    # @return [Float, nil] seconds to wait before retrying (rate limits, 503)
    attr_reader :retry_after
    # @return [Integer, nil] credits the render needed (insufficient credits)
    attr_reader :required_credits
    # @return [Integer, nil] credits available (insufficient credits)
    attr_reader :available_credits

    # @param message [String]
    def initialize(message = nil, kind: nil, code: nil, status: nil, request_id: nil, details: nil,
                   retry_after: nil, required_credits: nil, available_credits: nil)
      super(message)
      @kind = kind
      @code = code
      @status = status
      @request_id = request_id
      @details = details
      @retry_after = retry_after
      @required_credits = required_credits
      @available_credits = available_credits
    end

    # @api private
    # Builds the exception for an SDK error document (+renderiq_sdk::Error::to_json+), as both
    # backends hand it over. This is the one place that maps error kinds to classes.
    # @param json [String]
    # @return [Renderiq::Error]
    def self.from_json(json)
      from_payload(JSON.parse(json))
    rescue JSON::ParserError
      Error.new("the Renderiq library reported an error that could not be read: #{json.inspect[0, 200]}",
                kind: :internal)
    end

    # @api private
    # @param doc [Hash{String => Object}]
    # @return [Renderiq::Error]
    def self.from_payload(doc)
      kind = doc["kind"].to_s
      # Misuse reported by the C ABI (malformed JSON argument, invalid UTF-8, NULL) is a bad
      # argument, as Ruby reports it everywhere else.
      return ArgumentError.new(doc["message"].to_s) if ARGUMENT_KINDS.include?(kind)

      klass = KINDS.fetch(kind, Error)
      retry_after = doc["retryAfter"]
      klass.new(
        doc["display"] || doc["message"] || "unknown Renderiq error",
        kind: kind.empty? ? :internal : kind.to_sym,
        code: doc["code"],
        status: doc["status"],
        request_id: doc["requestId"],
        details: doc["details"],
        retry_after: retry_after&.to_f,
        required_credits: doc["requiredCredits"],
        available_credits: doc["availableCredits"]
      )
    end
  end

  # Not signed in, wrong email or password, or a session that could not be refreshed.
  class AuthError < Error; end
  # The API key lacks a scope the call needs (+INSUFFICIENT_SCOPE+).
  class PermissionDeniedError < Error; end
  # No such render, project, key or webhook (or it belongs to another user).
  class NotFoundError < Error; end
  # The request was rejected as invalid, by the server or before sending; see {#details}.
  class ValidationError < Error; end
  # Not enough credits for the render; see {#required_credits} and {#available_credits}.
  class InsufficientCreditsError < Error; end
  # Too many requests; wait {#retry_after} seconds.
  class RateLimitError < Error; end
  # An idempotency key reused with another request, or a render that can no longer be cancelled.
  class ConflictError < Error; end
  # The server failed (HTTP 5xx); retry later and quote {#request_id} if it persists.
  class ServerError < Error; end
  # The render ended in the +failed+ state; its credits were refunded.
  class RenderFailedError < Error; end
  # The server could not be reached (DNS, connection, TLS).
  class NetworkError < Error; end
  # A request timed out, or a wait passed its deadline (the render keeps running).
  class TimeoutError < Error; end
  # The operation was cancelled, or the render was.
  class CancelledError < Error; end
  # The screenshot could not be read or encoded.
  class ImageError < Error; end
  # A webhook delivery failed verification; {#code} says why (+WEBHOOK_BAD_SIGNATURE+, …).
  class WebhookVerificationError < Error; end
  # The token store (keychain, encrypted file) failed.
  class TokenStoreError < Error; end
  # The client is configured wrongly (base URL, webhook secret, runtime after fork, …).
  class ConfigError < Error; end
  # The server's answer could not be understood.
  class DecodeError < Error; end

  class Error
    # @api private
    # SDK error kind => exception class.
    KINDS = {
      "auth" => AuthError,
      "permission_denied" => PermissionDeniedError,
      "not_found" => NotFoundError,
      "invalid_input" => ValidationError,
      "insufficient_credits" => InsufficientCreditsError,
      "rate_limited" => RateLimitError,
      "conflict" => ConflictError,
      "server" => ServerError,
      "render_failed" => RenderFailedError,
      "network" => NetworkError,
      "timeout" => TimeoutError,
      "cancelled" => CancelledError,
      "image" => ImageError,
      "webhook_verification" => WebhookVerificationError,
      "token_store" => TokenStoreError,
      "config" => ConfigError,
      "decode" => DecodeError
    }.freeze

    # @api private
    # Kinds of the C ABI that mean a bad argument; raised as ArgumentError.
    ARGUMENT_KINDS = %w[null_argument invalid_utf8 invalid_argument].freeze
  end
end
