# frozen_string_literal: true

module Renderiq
  # The API's models and enums are generated from the core (lib/renderiq/generated.rb): frozen
  # keyword Structs with snake_case readers, Symbols for enum values, Times for times.
  %i[User Render Project Credits CreditTransaction Settings ApiKey CreatedApiKey WebhookEndpoint
     CreatedWebhook Health Page Progress Platform Quality RenderStatus].each do |name|
    const_set(name, Generated.const_get(name))
  end

  # A render's status as predicates: +completed?+, +failed?+, +cancelled?+, +pending?+,
  # +processing?+, and +finished?+ (completed, failed or cancelled).
  class Render
    RenderStatus::ALL.each { |s| define_method(:"#{s}?") { status == s } }

    def finished?
      completed? || failed? || cancelled?
    end
  end

  # One page of a listing (+items+, +page+, +limit+, +total+, +has_more+).
  class Page
    def has_more?
      has_more ? true : false
    end
  end

  # How far an operation got: +percent+, +stage+ (a Symbol: +:preparing+, +:uploading+,
  # +:pending+, …), +render+ as last seen, and +version+, which grows with every change.
  class Progress
    # @api private
    def self.from_core(hash)
      from_wire(hash.merge("stage" => hash["stage"]&.to_sym))
    end
  end

  # A verified webhook delivery: +type+, +timestamp+ and +data+ (the Render) for a render
  # event; +payload+ is the whole JSON body as sent, whatever its shape.
  WebhookEvent = Struct.new(:type, :timestamp, :data, :payload, keyword_init: true) do
    # @api private
    def self.from_wire(h)
      new(type: h["type"], timestamp: h["timestamp"] && Generated.parse_time(h["timestamp"]),
          data: h["data"] && Render.from_wire(h["data"]), payload: h["payload"]).freeze
    end
  end
end
