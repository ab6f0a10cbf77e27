# frozen_string_literal: true

module Renderiq
  # @api private
  # The lowest Ruby layer: one of two interchangeable backends under the same public API.
  #
  # - +:native+: the magnus extension +renderiq/renderiq_native+ (compiled against the host's Ruby);
  # - +:fiddle+: +librenderiq+ (the C ABI, +bindings/ffi+) through Fiddle from Ruby's standard
  #   library: nothing compiled against the host's Ruby, so it works inside SketchUp for Windows,
  #   whose MSVC-built Ruby no precompiled gem fits.
  #
  # Both take and return the same JSON documents (the API's wire JSON, the SDK's error JSON), so
  # everything above them (result objects, errors, operations, argument checks) is shared.
  #
  # Interface of a backend: +name+, +sdk_version+, +client(config_hash)+,
  # +webhook_verify(secret, body, headers_hash, now)+, +webhook_event(…)+ (the same, answering
  # the core's event JSON), +webhook_sign(secret, msg_id, ts, body)+.
  # Its client has the generic call entry, +call(call_json, data)+ (the decoded result) and
  # +start(call_json, data)+ (an op whose +outcome+ can be read more than once), where
  # +call_json+ is a +renderiq_sdk::call::Call+ and +data+ image bytes or nil; and one method
  # per call: blocking ones return the decoded JSON (raising {Renderiq::Error});
  # +create_render_start+, +wait_start+ and +render_start+ return an op with +wait(seconds)+
  # (GVL released), +done?+, +cancel+, +cancelled?+, +progress+ (Hash with +version+) and +take+.
  module Backend
    # Environment variable that picks a backend: +native+, +fiddle+ (or +auto+, the default).
    ENV_VAR = "RENDERIQ_RUBY_BACKEND"

    # How long one GVL-free wait lasts before Ruby runs its interrupts and progress callbacks.
    SLICE = 0.1

    class << self
      # The active backend, loaded on first use.
      def current
        @current ||= load_backend(ENV.fetch(ENV_VAR, "auto"))
      end

      # Why the native extension could not be loaded when the Fiddle backend was chosen
      # automatically (for diagnostics), or nil.
      attr_reader :native_load_error

      # Waits for +op+ with the GVL released, in slices, so that other Ruby threads run and Ruby
      # can interrupt the wait; calls +on_progress+ with each new progress Hash on this thread.
      # The op is cancelled when the wait ends abnormally (an exception from the block,
      # +Thread#raise+, +Thread#kill+, Ctrl-C, +Timeout.timeout+).
      # @return the op's result
      def await(op, on_progress = nil)
        finished = false
        last = nil
        until op.wait(SLICE)
          last = report(op, last, on_progress) if on_progress
        end
        report(op, last, on_progress) if on_progress
        finished = true
        op.take
      ensure
        op.cancel unless finished
      end

      private

      # Calls +on_progress+ when the progress changed (and says something: a stage or a render).
      def report(op, last, on_progress)
        progress = op.progress
        on_progress.call(progress) if progress != last && (progress["stage"] || progress["render"])
        progress
      end

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
