# frozen_string_literal: true

require "json"

module Renderiq
  # Base class of every error the SDK raises. Rescue it to handle them all. One subclass per
  # error kind of the core, declared from the generated {Generated::ERROR_CLASSES}:
  # +AuthError+, +ValidationError+, +InsufficientCreditsError+, +RateLimitError+, …
  #
  #   begin
  #     client.create_render(image: "view.png", quality: :ultra)
  #   rescue Renderiq::InsufficientCreditsError => e
  #     puts "needs #{e.required_credits}, has #{e.available_credits}"
  #   rescue Renderiq::Error => e
  #     warn "#{e.message} (#{e.kind}, request #{e.request_id})"
  #   end
  class Error < StandardError
    # Kinds of the C ABI that mean a bad argument; raised as ArgumentError.
    ARGUMENT_KINDS = %w[null_argument invalid_utf8 invalid_argument].freeze
    # What to do next, by hint id, in this gem's names (generated from the core's table).
    HINTS = Generated::HINTS

    # +kind+ (+:auth+, +:not_found+, …), +code+ (the API's +errorCode+), HTTP +status+,
    # +request_id+ (quote it to support), +details+ (the API's field-error map, or the failed
    # render), +hint+ (what to do next, also in the message), +retry_after+ (seconds),
    # +required_credits+, +available_credits+.
    FIELDS = %i[kind code status request_id details hint retry_after required_credits available_credits].freeze
    attr_reader(*FIELDS)

    # @param message [String]
    def initialize(message = nil, **fields)
      super(message)
      FIELDS.each { |f| instance_variable_set(:"@#{f}", fields[f]) }
    end

    # @api private
    # The exception for an SDK error document (+renderiq_sdk::Error::to_json+), as both
    # backends hand it over: the SDK's message, the hint in parentheses and the request id.
    def self.from_json(json)
      from_payload(JSON.parse(json))
    rescue JSON::ParserError
      Error.new("the Renderiq library reported an error that could not be read: #{json.inspect[0, 200]}",
                kind: :internal)
    end

    # @api private
    def self.from_payload(doc)
      kind = doc["kind"].to_s
      return ArgumentError.new(doc["message"].to_s) if ARGUMENT_KINDS.include?(kind)

      hint = HINTS[doc["hintId"]]
      message = doc["message"] || "unknown Renderiq error"
      message += " (#{hint})" if hint
      message += " [request #{doc['requestId']}]" if doc["requestId"]
      KINDS.fetch(kind, Error).new(
        message, hint: hint, kind: kind.empty? ? :internal : kind.to_sym, code: doc["code"], status: doc["status"],
                 request_id: doc["requestId"], details: doc["details"], retry_after: doc["retryAfter"]&.to_f,
                 required_credits: doc["requiredCredits"], available_credits: doc["availableCredits"]
      )
    end

    # The error class of each kind, e.g. +"rate_limited" => RateLimitError+.
    KINDS = Generated::ERROR_CLASSES.to_h do |kind, name, _parent, _fields, _doc|
      [kind.to_s, Renderiq.const_set(name, Class.new(Error))]
    end.freeze
  end
end
