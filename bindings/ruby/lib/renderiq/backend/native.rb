# frozen_string_literal: true

require "json"

module Renderiq
  module Backend
    # @api private
    # The magnus extension (+Renderiq::Native+), whose client and operations already have the
    # backend interface.
    class Native
      # The version of the shapes this wrapper speaks with the extension.
      EXPECTED_ABI = 4

      # Loads the extension: the build for this Ruby's minor version when the gem ships several
      # (+lib/renderiq/3.2/renderiq_native.so+), else +lib/renderiq/renderiq_native.so+, always
      # by absolute path.
      # @raise [LoadError] with what was tried and what to do
      def self.load
        dir = File.expand_path("..", __dir__)
        candidates = [File.join(dir, RUBY_VERSION[/\A\d+\.\d+/], "renderiq_native"), File.join(dir, "renderiq_native")]
        path = candidates.find { |c| Dir.glob("#{c}.{so,bundle,dll}").any? }
        begin
          raise LoadError, "not found at #{candidates.join(' or ')}" unless path

          require path
        rescue LoadError => e
          raise LoadError, "the Renderiq native extension could not be loaded (#{e.message}); " \
                           "build it (bindings/ruby: rake compile) or use the Fiddle backend (RENDERIQ_RUBY_BACKEND=fiddle)"
        end
        found = ::Renderiq::Native.abi_version
        return new if found == EXPECTED_ABI

        raise LoadError, "the Renderiq native extension speaks version #{found} but this gem expects #{EXPECTED_ABI}; " \
                         "reinstall the renderiq gem so its Ruby files and extension match"
      end

      def name
        :native
      end

      def sdk_version
        ::Renderiq::Native.sdk_version
      end

      def client(config)
        ::Renderiq::Native::Client.new(JSON.generate(config))
      end

      def webhook_verify(secret, body, headers, now, read_event)
        ::Renderiq::Native.webhook_verify(secret, body, headers, now, read_event)
      end

      def webhook_sign(secret, msg_id, timestamp, body)
        ::Renderiq::Native.webhook_sign(secret, msg_id, timestamp, body)
      end
    end
  end
end
