# frozen_string_literal: true

require "json"

module Renderiq
  module Backend
    # @api private
    # The thin wrapper over the magnus extension (+Renderiq::Native+): every call starts a
    # background operation; blocking calls wait for it with the GVL released.
    class Native
      # The version of the JSON shapes this wrapper speaks with the extension.
      EXPECTED_ABI = 2

      # Loads the extension: the build for this Ruby's minor version when the gem ships several
      # (+lib/renderiq/3.2/renderiq_native.so+), else +lib/renderiq/renderiq_native.so+. Always by
      # absolute path: host apps load many extensions into one process.
      # @raise [LoadError] with what was tried and what to do
      def self.load
        dir = File.expand_path("..", __dir__)
        minor = RUBY_VERSION[/\A\d+\.\d+/]
        candidates = [File.join(dir, minor, "renderiq_native"), File.join(dir, "renderiq_native")]
        errors = []
        loaded = candidates.any? do |path|
          next false unless Dir.glob("#{path}.{so,bundle,dll}").any?

          begin
            require path
            true
          rescue LoadError => e
            errors << e.message
            false
          end
        end
        unless loaded
          detail = errors.empty? ? "not found at #{candidates.map { |c| "#{c}.#{RbConfig::CONFIG['DLEXT']}" }.join(' or ')}" : errors.join("; ")
          raise LoadError, "the Renderiq native extension could not be loaded (#{detail}); " \
                           "build it (bindings/ruby: rake compile) or use the Fiddle backend (RENDERIQ_RUBY_BACKEND=fiddle)"
        end
        found = ::Renderiq::Native.abi_version
        unless found == EXPECTED_ABI
          raise LoadError, "the Renderiq native extension speaks version #{found} but this gem expects #{EXPECTED_ABI}; " \
                           "reinstall the renderiq gem so its Ruby files and extension match"
        end
        new
      end

      # @return [Symbol]
      def name
        :native
      end

      # @return [String]
      def sdk_version
        ::Renderiq::Native.sdk_version
      end

      # @param config [Hash] the SDK's ClientConfig document
      def client(config)
        Client.new(::Renderiq::Native::Client.new(JSON.generate(config)))
      end

      def webhook_verify(secret, body, headers, now)
        ::Renderiq::Native.webhook_verify(secret, body, headers, now, nil)
      end

      # The core's event JSON of a verified delivery.
      def webhook_event(secret, body, headers, now)
        JSON.parse(::Renderiq::Native.webhook_event(secret, body, headers, now))
      end

      def webhook_sign(secret, msg_id, timestamp, body)
        ::Renderiq::Native.webhook_sign(secret, msg_id, timestamp, body)
      end

      # A background operation of the extension.
      class Op
        def initialize(op, decode = :json)
          @op = op
          @decode = decode
        end

        def wait(seconds)
          @op.wait(seconds)
        end

        def done?
          @op.done?
        end

        def cancel
          @op.cancel
        end

        def cancelled?
          @op.cancelled?
        end

        def progress
          JSON.parse(@op.progress_json)
        end

        def take
          value = @op.take
          @decode == :json ? JSON.parse(value) : value
        end
      end

      # An operation of the generic call entry: its outcome is JSON, read as often as asked.
      class CallOp < Op
        def outcome
          JSON.parse(@op.outcome)
        end
        alias take outcome
      end

      # One client; the methods mirror the C ABI's calls.
      class Client
        def initialize(native)
          @c = native
        end

        # Any call of the core (+call_json+), image bytes beside it in +data+ (or nil); the
        # decoded result. Waits with the GVL released.
        def call(call_json, data)
          JSON.parse(@c.call(call_json, data))
        end

        def start(call_json, data)
          CallOp.new(@c.start(call_json, data))
        end

        def sign_in(email, password)
          run(@c.start_sign_in(email, password))
        end
        def use_api_key(key)
          run(@c.start_use_api_key(key))
        end
        def signed_in?
          run(@c.start_is_signed_in)
        end
        def me
          run(@c.start_me)
        end
        def sign_out
          run(@c.start_sign_out)
        end
        def health
          run(@c.start_health)
        end
        def credits
          run(@c.start_credits)
        end
        def credit_transactions(page, limit)
          run(@c.start_credit_transactions(page, limit))
        end
        def projects
          run(@c.start_projects)
        end
        def create_project(name, description)
          run(@c.start_create_project(name, description))
        end
        def settings
          run(@c.start_settings)
        end
        def update_settings(update)
          run(@c.start_update_settings(JSON.generate(update)))
        end
        def create_api_key(name, scopes, expires_at)
          run(@c.start_create_api_key(name, scopes, expires_at))
        end
        def api_keys
          run(@c.start_api_keys)
        end
        def revoke_api_key(id)
          run(@c.start_revoke_api_key(id))
        end
        def register_webhook(url, events)
          run(@c.start_register_webhook(url, events))
        end
        def webhooks
          run(@c.start_webhooks)
        end
        def delete_webhook(id)
          run(@c.start_delete_webhook(id))
        end
        def get_render(id)
          run(@c.start_get_render(id))
        end
        def list_renders(query)
          run(@c.start_list_renders(JSON.generate(query)))
        end
        def cancel_render(id)
          run(@c.start_cancel_render(id))
        end

        def download_render(render_json, path)
          Backend.await(Op.new(@c.start_download_render(render_json, path), path ? :json : :bytes))
        end

        def create_render_start(image, params)
          Op.new(@c.start_create_render(screenshot(image), JSON.generate(params)))
        end

        def wait_start(id, timeout_ms)
          Op.new(@c.start_wait_for_render(id, JSON.generate("timeoutMs" => timeout_ms)))
        end

        def render_start(image, params, timeout_ms)
          Op.new(@c.start_create_and_wait(screenshot(image), JSON.generate(params),
                                          JSON.generate("timeoutMs" => timeout_ms)))
        end

        private

        def run(op)
          Backend.await(Op.new(op))
        end

        def screenshot(image)
          shot = ::Renderiq::Native::Screenshot
          case image.kind
          when :file then shot.file(image.path)
          when :encoded then shot.encoded(image.bytes)
          else shot.raw(image.bytes, image.width, image.height, image.stride, image.format.to_s, image.bottom_up)
          end
        end
      end
    end
  end
end
