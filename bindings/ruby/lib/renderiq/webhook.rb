# frozen_string_literal: true

module Renderiq
  # Verifies and signs webhook deliveries (Standard Webhooks: +webhook-id+,
  # +webhook-timestamp+, +webhook-signature: v1,<base64 HMAC-SHA256>+, +whsec_+ secrets), with
  # a constant-time comparison, a 5-minute timestamp tolerance and several signatures for key
  # rotation. The work is done by the Rust SDK.
  #
  #   # Rack / Sinatra: verify the raw body before parsing it
  #   event = Renderiq::Webhook.verify_event(secret: ENV["RENDERIQ_WEBHOOK_SECRET"],
  #                                          body: request.body.read, headers: request.env)
  #   puts "#{event.type}: render #{event.data.id}"
  module Webhook
    # The headers a delivery carries.
    HEADERS = %w[webhook-id webhook-timestamp webhook-signature].freeze

    class << self
      # Checks a delivery's signature and timestamp.
      # @param secret [String] the +whsec_…+ secret shown when the webhook was registered
      # @param body [String] the raw request body, exactly as received
      # @param headers [Hash] the request headers (any case; a Rack +env+ works too)
      # @param now [Integer, Time, nil] the time to check against (unix seconds); default the clock
      # @return [true]
      # @raise [WebhookVerificationError] with {Error#code} +WEBHOOK_BAD_SIGNATURE+,
      #   +WEBHOOK_TIMESTAMP_TOO_OLD+, +WEBHOOK_TIMESTAMP_TOO_NEW+, +WEBHOOK_INVALID_TIMESTAMP+ or
      #   +WEBHOOK_MISSING_HEADER+
      # @raise [ConfigError] for a malformed secret (+WEBHOOK_BAD_SECRET+)
      # @raise [TypeError] for arguments of the wrong type
      def verify(secret:, body:, headers:, now: nil)
        deliver(secret, body, headers, now, false)
        true
      end

      # {verify}, then reads the body as a {WebhookEvent} (the core reads it, as in every
      # language). A correctly signed JSON body is never refused for its shape: for a render
      # event +type+, +timestamp+ and +data+ (the render) are set; for any other body +data+ is
      # nil. {WebhookEvent#payload} is always the whole body as sent.
      # @return [WebhookEvent]
      # @raise [DecodeError] when the verified body is not JSON (+WEBHOOK_BAD_PAYLOAD+)
      def verify_event(secret:, body:, headers:, now: nil)
        WebhookEvent.from_wire(JSON.parse(deliver(secret, body, headers, now, true)))
      end

      # The +webhook-signature+ value for a delivery, as the server computes it.
      # @param secret [String] +whsec_…+
      # @param msg_id [String] the +webhook-id+
      # @param timestamp [Integer, Time] unix seconds
      # @param body [String]
      # @return [String] +"v1,<base64>"+
      def sign(secret:, msg_id:, timestamp:, body:)
        Check.string!("secret", secret)
        Check.string!("msg_id", msg_id)
        raise TypeError, "body must be a String, got #{body.class}" unless body.is_a?(String)

        ts = timestamp(timestamp)
        raise ArgumentError, "timestamp is required" if ts.nil?

        Backend.current.webhook_sign(secret, msg_id, ts, body)
      end

      # The three headers of a signed delivery (for tests and for forwarding).
      # @return [Hash{String => String}]
      def headers_for(secret:, msg_id:, timestamp:, body:)
        ts = timestamp(timestamp)
        { "webhook-id" => msg_id, "webhook-timestamp" => ts.to_s,
          "webhook-signature" => sign(secret: secret, msg_id: msg_id, timestamp: ts, body: body) }
      end

      # @api private
      # Lower-case header names (Rack's HTTP_WEBHOOK_ID too); several values joined by spaces.
      # The native extension reads a Hash itself; other header objects, and the Fiddle backend,
      # come through here.
      # @return [Hash{String => String}] the delivery headers only
      def normalize(headers)
        raise TypeError, "headers must be a Hash, got #{headers.class}" unless headers.respond_to?(:each_pair)

        out = {}
        headers.each_pair do |key, value|
          name = key.to_s.downcase
          name = name.delete_prefix("http_").tr("_", "-") if name.start_with?("http_")
          next unless HEADERS.include?(name)

          value = value.join(" ") if value.is_a?(Array)
          raise TypeError, "header #{name} must be a String, got #{value.class}" unless value.is_a?(String)

          out[name] = out.key?(name) ? "#{out[name]} #{value}" : value
        end
        out
      end

      private

      # The backend gets the headers as given when they are a Hash (see {normalize}).
      def deliver(secret, body, headers, now, read_event)
        raise TypeError, "body must be the raw request body String, got #{body.class}" unless body.is_a?(String)

        secret = secret.to_s if secret.is_a?(Symbol)
        raise TypeError, "secret must be a String, got #{secret.class}" unless secret.is_a?(String)

        headers = normalize(headers) unless headers.is_a?(Hash)
        Backend.current.webhook_verify(secret, body, headers, timestamp(now), read_event)
      end

      def timestamp(value)
        case value
        when nil then nil
        when Integer then value
        when Time then value.to_i
        else raise TypeError, "time must be an Integer (unix seconds) or a Time, got #{value.class}"
        end
      end
    end
  end
end
