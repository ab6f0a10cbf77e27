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
    # @api private
    # Kinds of the C ABI that mean a bad argument; raised as ArgumentError.
    ARGUMENT_KINDS = %w[null_argument invalid_utf8 invalid_argument].freeze

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
    # @return [String, nil] what to do next, naming this gem's methods (also in {#message})
    attr_reader :hint

    # @param message [String]
    def initialize(message = nil, kind: nil, code: nil, status: nil, request_id: nil, details: nil,
                   retry_after: nil, required_credits: nil, available_credits: nil, hint: nil)
      super(message)
      @hint = hint
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
    # backends hand it over. This is the one place that maps error kinds to classes (through the
    # generated {KINDS}) and picks the hint (the generated {HINTS}, by the document's +hintId+):
    # the message is the SDK's message, the hint in parentheses and the request id.
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
      hint = HINTS[doc["hintId"]]
      message = doc["message"] || "unknown Renderiq error"
      message += " (#{hint})" if hint
      message += " [request #{doc['requestId']}]" if doc["requestId"]
      klass.new(
        message,
        hint: hint,
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
end

require_relative "error_table"
