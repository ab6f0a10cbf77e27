# frozen_string_literal: true

module Renderiq
  # @api private
  # The lowest Ruby layer: one of two interchangeable backends under the same public API.
  #
  # - +:native+: the magnus extension +renderiq/renderiq_native+ (compiled against the host's Ruby);
  # - +:fiddle+: +librenderiq+ (the C ABI, +bindings/ffi+) through Fiddle from Ruby's standard
  #   library: nothing compiled against the host's Ruby, so it works inside SketchUp for Windows.
  #
  # Interface of a backend: +name+, +sdk_version+, +client(config_hash)+ (whose
  # +start(call_json, data)+ returns an op with +wait(seconds)+ (GVL released), +done?+,
  # +cancel+, +cancelled?+, +progress_json+ and +outcome+, the result's JSON text, readable
  # more than once), +webhook_verify(secret, body, headers, now, read_event)+ (the event JSON
  # or nil) and +webhook_sign(secret, msg_id, ts, body)+.
  module Backend
    # Environment variable that picks a backend: +native+, +fiddle+ (or +auto+, the default).
    ENV_VAR = "RENDERIQ_RUBY_BACKEND"

    class << self
      # The active backend, loaded on first use.
      def current
        @current ||= load_backend(ENV.fetch(ENV_VAR, "auto"))
      end

      # Why the native extension could not be loaded when the Fiddle backend was chosen
      # automatically (for diagnostics), or nil.
      attr_reader :native_load_error

      private

      def load_backend(choice)
        case choice.to_s.strip.downcase
        when "native" then load_native
        when "fiddle" then load_fiddle
        when "", "auto"
          begin
            load_native
          rescue LoadError => e
            @native_load_error = e
            begin
              load_fiddle
            rescue LoadError => f
              raise LoadError, "Renderiq could not load a backend.\n" \
                               "  native extension: #{e.message}\n" \
                               "  Fiddle over librenderiq: #{f.message}"
            end
          end
        else
          raise ArgumentError, "#{ENV_VAR}=#{choice.inspect}: use \"native\", \"fiddle\" or \"auto\""
        end
      end

      def load_native
        require_relative "backend/native"
        Native.load
      end

      def load_fiddle
        require_relative "backend/fiddle"
        Fiddle.load
      end
    end
  end

  class << self
    # Which backend is active: +:native+ (the compiled extension) or +:fiddle+ (the C library
    # through Fiddle). Chosen automatically: the native extension when it loads, else Fiddle;
    # force one with +RENDERIQ_RUBY_BACKEND=native+ or +fiddle+.
    # @return [Symbol]
    def backend
      Backend.current.name
    end

    # Version of the Rust SDK inside the active backend.
    # @return [String]
    def sdk_version
      Backend.current.sdk_version
    end
  end
end
