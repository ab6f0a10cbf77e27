# frozen_string_literal: true

require "time"

module Renderiq
  # @api private
  # Builds result objects from the API's wire JSON (camelCase keys) and back. Both backends
  # return wire JSON, so both produce identical objects through this one module.
  module Wire
    module_function

    # "aspectRatio" => :aspect_ratio
    def snake(key)
      key.to_s.gsub(/([A-Z])/) { "_#{Regexp.last_match(1).downcase}" }.to_sym
    end

    # :aspect_ratio => "aspectRatio"
    def camel(key)
      key.to_s.gsub(/_([a-z])/) { Regexp.last_match(1).upcase }
    end

    def time(value)
      value.nil? ? nil : Time.iso8601(value)
    end

    def symbol(value)
      value.nil? ? nil : value.to_sym
    end

    # Wire value of a member: times as RFC 3339, symbols as strings, nested models as hashes.
    def dump(value)
      case value
      when Time then value.getutc.iso8601(9)
      when Symbol then value.to_s
      when Struct then value.to_wire
      when Array then value.map { |v| dump(v) }
      else value
      end
    end
  end

  # @api private
  # Struct with keyword construction, built from and convertible to wire JSON. Instances are
  # frozen; unknown wire fields (from a newer server) are ignored.
  module Model
    def self.define(*members, times: [], symbols: [], nested: {}, &block)
      klass = Struct.new(*members, keyword_init: true, &block)
      klass.instance_variable_set(:@wire_times, times.freeze)
      klass.instance_variable_set(:@wire_symbols, symbols.freeze)
      klass.instance_variable_set(:@wire_nested, nested.freeze)
      klass.extend(ClassMethods)
      klass.include(InstanceMethods)
      klass
    end

    # Class methods of every model.
    module ClassMethods
      # @param hash [Hash{String => Object}] the wire JSON object
      def from_wire(hash)
        raise DecodeError.new("expected a JSON object, got #{hash.class}", kind: :decode) unless hash.is_a?(Hash)

        attrs = {}
        hash.each do |key, value|
          name = Wire.snake(key)
          next unless members.include?(name)

          attrs[name] =
            if @wire_times.include?(name) then Wire.time(value)
            elsif @wire_symbols.include?(name) then Wire.symbol(value)
            elsif (model = @wire_nested[name]) then value.nil? ? nil : model.call.from_wire(value)
            else value
            end
        end
        new(**attrs).freeze
      end
    end

    # Instance methods of every model.
    module InstanceMethods
      # @return [Hash{String => Object}] the wire JSON object
      def to_wire
        each_pair.each_with_object({}) { |(k, v), h| h[Wire.camel(k)] = Wire.dump(v) }
      end
    end
  end

  # A Renderiq user.
  # @!attribute [r] id
  #   @return [String]
  # @!attribute [r] email
  #   @return [String]
  # @!attribute [r] name
  #   @return [String, nil]
  # @!attribute [r] created_at
  #   @return [Time]
  User = Model.define(:id, :email, :name, :created_at, times: %i[created_at])

  # A render job. +status+ is one of +:pending+, +:processing+, +:completed+, +:failed+,
  # +:cancelled+; +quality+ one of +:standard+, +:high+, +:ultra+.
  Render = Model.define(
    :id, :status, :progress, :prompt, :style, :quality, :aspect_ratio, :project_id, :credits_cost,
    :input_url, :output_url, :error, :platform, :created_at, :updated_at, :completed_at,
    times: %i[created_at updated_at completed_at], symbols: %i[status quality platform]
  ) do
    # @return [Boolean] the render finished and {#output_url} is set
    def completed?
      status == :completed
    end

    # @return [Boolean] the render failed ({#error} says why); its credits were refunded
    def failed?
      status == :failed
    end

    # @return [Boolean] the render was cancelled; its credits were refunded
    def cancelled?
      status == :cancelled
    end

    # @return [Boolean] the render waits for a worker
    def pending?
      status == :pending
    end

    # @return [Boolean] a worker is generating the image
    def processing?
      status == :processing
    end

    # @return [Boolean] completed, failed or cancelled: the status will not change any more
    def finished?
      completed? || failed? || cancelled?
    end
  end

  # A project renders can be filed under.
  Project = Model.define(:id, :name, :slug, :description, :platform, :created_at,
                         times: %i[created_at], symbols: %i[platform])

  # The credit balance.
  Credits = Model.define(:balance, :total_earned, :total_spent)

  # One entry of the credit ledger; +type+ is +:grant+, +:spend+ or +:refund+.
  CreditTransaction = Model.define(:id, :amount, :type, :reference_id, :description, :balance_after,
                                   :created_at, times: %i[created_at], symbols: %i[type])

  # The user's render defaults.
  Settings = Model.define(:default_style, :default_quality, :default_aspect_ratio, :default_project_id,
                          :notify_on_complete, symbols: %i[default_quality])

  # An API key as listed (its secret is never listed).
  ApiKey = Model.define(:id, :name, :prefix, :scopes, :last_used_at, :expires_at, :created_at,
                        times: %i[last_used_at expires_at created_at])

  # A newly created API key: {#key} is shown only this once.
  CreatedApiKey = Model.define(:key, :api_key, nested: { api_key: -> { ApiKey } }) do
    # The key stays out of logs and consoles.
    def inspect
      "#<struct Renderiq::CreatedApiKey key=<redacted>, api_key=#{api_key.inspect}>"
    end
    alias_method :to_s, :inspect
  end

  # A registered webhook endpoint.
  WebhookEndpoint = Model.define(:id, :url, :events, :active, :failure_count, :created_at, :last_delivery_at,
                                 times: %i[created_at last_delivery_at])

  # A newly registered webhook: {#secret} (+whsec_…+) is shown only this once.
  CreatedWebhook = Model.define(:secret, :webhook, nested: { webhook: -> { WebhookEndpoint } }) do
    # The secret stays out of logs and consoles.
    def inspect
      "#<struct Renderiq::CreatedWebhook secret=<redacted>, webhook=#{webhook.inspect}>"
    end
    alias_method :to_s, :inspect
  end

  # Server health.
  Health = Model.define(:status, :version, :database, :long_poll, :time, times: %i[time])

  # A verified webhook delivery: +type+ (+"render.completed"+, +"render.failed"+,
  # +"render.cancelled"+ or a newer type), +timestamp+, +data+ (the render, nil for a body that
  # is no render event) and +payload+, the whole JSON body as sent.
  WebhookEvent = Model.define(:type, :timestamp, :data, :payload, times: %i[timestamp], nested: { data: -> { Render } })

  # One page of a listing.
  # @!attribute [r] items
  #   @return [Array]
  Page = Struct.new(:items, :page, :limit, :total, :has_more, keyword_init: true) do
    # @return [Boolean] a later page exists
    def has_more?
      has_more ? true : false
    end
  end

  # How far an operation got: +percent+ (0-100), +stage+ (+:preparing+, +:uploading+,
  # +:pending+, +:processing+, +:completed+, …, or nil), +render+, the render as last seen, and
  # +version+, which grows with every change (a poller that saw it has seen everything up to it).
  Progress = Struct.new(:percent, :stage, :render, :version, keyword_init: true)

  class Page
    # @api private
    def self.from_wire(hash, item)
      new(items: hash.fetch("items").map { |h| item.from_wire(h) }, page: hash["page"], limit: hash["limit"],
          total: hash["total"], has_more: hash["hasMore"]).freeze
    end
  end

  class Progress
    # @api private
    def self.from_wire(hash)
      render = hash["render"]
      new(percent: hash["percent"].to_i, stage: Wire.symbol(hash["stage"]),
          render: render && Render.from_wire(render), version: hash["version"].to_i).freeze
    end
  end
end
