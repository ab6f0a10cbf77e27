# frozen_string_literal: true

require "fiddle"
require "json"
require "rbconfig"

module Renderiq
  module Backend
    # @api private
    # The thin wrapper over +librenderiq+ (the C ABI of +bindings/ffi+, +renderiq.h+) through
    # Fiddle, Ruby's standard FFI. Needs nothing compiled against the host's Ruby.
    #
    # Rules it keeps (see renderiq.h):
    # - inputs are copied into memory Ruby allocated, so no Ruby string can move or change
    #   while the library reads it without the GVL;
    # - every string the library returns is freed with +renderiq_string_free+, every error
    #   with +renderiq_error_free+, clients and operations with their +_free+ when collected;
    # - blocking calls run without the GVL (Fiddle's default); quick ones keep it.
    class Fiddle
      # The C ABI version this wrapper was written against (+RENDERIQ_ABI_VERSION+).
      EXPECTED_ABI = 2
      # Environment variable with the absolute path of the library to load.
      PATH_ENV = "RENDERIQ_LIBRARY_PATH"

      RENDERIQ_OK = 0
      NOT_READY = 105
      WAIT_SLICE_LIMIT = 0xFFFF_FFFE

      # Older Fiddles (Ruby 2.7's 1.0.0) lack the fixed-width names; int is 32-bit and long long
      # 64-bit on every platform SketchUp runs on.
      VOIDP = ::Fiddle::TYPE_VOIDP
      I32 = defined?(::Fiddle::TYPE_INT32_T) ? ::Fiddle::TYPE_INT32_T : ::Fiddle::TYPE_INT
      U32 = -I32
      I64 = defined?(::Fiddle::TYPE_INT64_T) ? ::Fiddle::TYPE_INT64_T : ::Fiddle::TYPE_LONG_LONG
      SIZE = ::Fiddle::TYPE_SIZE_T
      # Whether this Fiddle can keep the GVL for quick calls (fiddle >= 1.0.1); without it every
      # call releases the GVL, which is correct, only slower.
      NEED_GVL_OPTION = ::Fiddle::Function.method_defined?(:need_gvl?)

      # name => [argument types, return type, needs the GVL (true for calls that never block)]
      SIGNATURES = {
        renderiq_abi_version: [[], U32, true],
        renderiq_version: [[], VOIDP, true],
        renderiq_client_new: [[VOIDP, VOIDP, VOIDP], I32, true],
        renderiq_client_free: [[VOIDP], I32, true],
        renderiq_call_start: [[VOIDP, VOIDP, VOIDP, SIZE, VOIDP, VOIDP], I32, true],
        renderiq_op_outcome: [[VOIDP, VOIDP, VOIDP], I32, true],
        renderiq_op_poll: [[VOIDP], I32, true],
        renderiq_op_progress: [[VOIDP, VOIDP, VOIDP, VOIDP], I32, true],
        renderiq_op_cancel: [[VOIDP], I32, true],
        renderiq_op_wait: [[VOIDP, U32, VOIDP, VOIDP], I32, false],
        renderiq_op_free: [[VOIDP], I32, true],
        renderiq_error_json: [[VOIDP], VOIDP, true],
        renderiq_error_free: [[VOIDP], I32, true],
        renderiq_string_free: [[VOIDP], I32, true],
        renderiq_webhook_verify: [[VOIDP, VOIDP, SIZE, VOIDP, VOIDP, VOIDP, I64, VOIDP, VOIDP], I32, true],
        renderiq_webhook_sign: [[VOIDP, VOIDP, I64, VOIDP, SIZE, VOIDP, VOIDP], I32, true]
      }.freeze

      # The library's file name on this platform.
      def self.library_name
        case RbConfig::CONFIG["host_os"]
        when /mswin|mingw|cygwin/ then "renderiq.dll"
        when /darwin/ then "librenderiq.dylib"
        else "librenderiq.so"
        end
      end

      # Where the library is looked for: +RENDERIQ_LIBRARY_PATH+, else next to the gem's files
      # (+lib/renderiq/+), as the SketchUp extension ships it.
      def self.library_candidates
        from_env = ENV.fetch(PATH_ENV, "")
        return [File.expand_path(from_env)] unless from_env.empty?

        dir = File.expand_path("..", __dir__)
        [File.join(dir, library_name), File.join(dir, "native", library_name)]
      end

      # Loads the library by absolute path and checks its ABI version.
      # @raise [LoadError] naming the path and, for a mismatch, both versions
      def self.load
        candidates = library_candidates
        path = candidates.find { |p| File.file?(p) }
        unless path
          raise LoadError, "librenderiq was not found (looked for #{candidates.join(', ')}); " \
                           "set #{PATH_ENV} to the library's absolute path or put #{library_name} next to the gem's lib/renderiq/"
        end
        begin
          handle = ::Fiddle.dlopen(path)
        rescue ::Fiddle::DLError => e
          raise LoadError, "librenderiq at #{path} could not be loaded: #{e.message} " \
                           "(a library built for another platform or architecture?)"
        end
        new(handle, path)
      end

      attr_reader :path

      def initialize(handle, path)
        @handle = handle
        @path = path
        @fn = {}
        SIGNATURES.each do |name, (args, ret, need_gvl)|
          begin
            address = handle[name.to_s]
          rescue ::Fiddle::DLError
            raise LoadError, "librenderiq at #{path} has no function #{name}: it is older or newer than this gem " \
                             "(expects C ABI version #{EXPECTED_ABI})"
          end
          options = NEED_GVL_OPTION ? { name: name.to_s, need_gvl: need_gvl } : { name: name.to_s }
          @fn[name] = ::Fiddle::Function.new(address, args, ret, **options)
        end
        found = @fn[:renderiq_abi_version].call
        return if found == EXPECTED_ABI

        raise LoadError, "librenderiq at #{path} has C ABI version #{found}, but this gem expects version #{EXPECTED_ABI}; " \
                         "use the librenderiq built with the same SDK release as the renderiq gem"
      end

      # @return [Symbol]
      def name
        :fiddle
      end

      # @return [String]
      def sdk_version
        @fn[:renderiq_version].call.to_s.force_encoding(Encoding::UTF_8)
      end

      def client(config)
        slot = ptr_slot
        err = ptr_slot
        check(call(:renderiq_client_new, cstr(JSON.generate(config)), slot, err), err)
        Client.new(self, own(slot.ptr, :renderiq_client_free))
      end

      # +now+ (unix seconds) is always given: the C ABI reads 0 as "the system clock".
      def webhook_verify(secret, body, headers, now, read_event)
        secret = Check.string!("secret", secret)
        headers = ::Renderiq::Webhook.normalize(headers)
        out = read_event ? ptr_slot : nil
        err = ptr_slot
        ids = %w[webhook-id webhook-timestamp webhook-signature].map { |h| cstr(headers[h]) }
        status = call(:renderiq_webhook_verify, cstr(secret), buf(body), body.bytesize, *ids,
                      now || Time.now.to_i, out, err)
        check(status, err)
        out && take_string(out)
      end

      def webhook_sign(secret, msg_id, timestamp, body)
        out = ptr_slot
        err = ptr_slot
        status = call(:renderiq_webhook_sign, cstr(secret), cstr(msg_id), timestamp, buf(body), body.bytesize, out, err)
        check(status, err)
        take_string(out)
      end

      # ---- plumbing used by Client and Op --------------------------------------------------

      # @api private
      def call(name, *args)
        @fn.fetch(name).call(*args)
      end

      # A zeroed pointer-sized out-parameter.
      def ptr_slot
        slot = ::Fiddle::Pointer.malloc(::Fiddle::SIZEOF_VOIDP, ::Fiddle::RUBY_FREE)
        slot[0, ::Fiddle::SIZEOF_VOIDP] = "\0" * ::Fiddle::SIZEOF_VOIDP
        slot
      end

      # A NUL-terminated copy of +str+ (nil stays NULL).
      def cstr(str)
        return nil if str.nil?

        buf(str)
      end

      # A copy of +bytes+ in memory Ruby allocated (freed when collected), NUL-terminated.
      def buf(bytes)
        n = bytes.bytesize
        ptr = ::Fiddle::Pointer.malloc(n + 1, ::Fiddle::RUBY_FREE)
        ptr[0, n] = bytes if n.positive?
        ptr[n] = 0
        ptr
      end

      # Wraps a handle the library returned so that Ruby's GC frees it with +free_fn+.
      def own(ptr, free_fn)
        ::Fiddle::Pointer.new(ptr.to_i, 0, @fn.fetch(free_fn))
      end

      # Reads and frees the string in an out-parameter (nil for NULL).
      def take_string(slot)
        ptr = slot.ptr
        return nil if ptr.null?

        begin
          ptr.to_s.force_encoding(Encoding::UTF_8)
        ensure
          @fn[:renderiq_string_free].call(ptr)
        end
      end

      # Raises the Ruby exception of a failed call (and frees the error object).
      def check(status, err_slot)
        return if status == RENDERIQ_OK

        err = err_slot.ptr
        if err.null?
          raise Renderiq::Error.new("librenderiq call failed with status #{status}", kind: :internal)
        end

        json = @fn[:renderiq_error_json].call(err).to_s.force_encoding(Encoding::UTF_8)
        @fn[:renderiq_error_free].call(err)
        raise Renderiq::Error.from_json(json)
      end

      # An operation of +renderiq_call_start+; its outcome is read as often as asked
      # (+renderiq_op_wait+ and +renderiq_op_outcome+ leave it in place).
      class Op
        def initialize(lib, handle)
          @lib = lib
          @handle = handle # freed (and cancelled if running) by renderiq_op_free when collected
          @cancelled = false
        end

        def wait(seconds)
          status = @lib.call(:renderiq_op_wait, @handle, (seconds * 1000).ceil.clamp(0, WAIT_SLICE_LIMIT), nil, nil)
          status != NOT_READY
        end

        def done?
          @lib.call(:renderiq_op_poll, @handle) == 1
        end

        def cancel
          @cancelled = true
          @lib.call(:renderiq_op_cancel, @handle)
          nil
        end

        def cancelled?
          @cancelled
        end

        def progress_json
          out = @lib.ptr_slot
          err = @lib.ptr_slot
          @lib.check(@lib.call(:renderiq_op_progress, @handle, nil, out, err), err)
          @lib.take_string(out)
        end

        def outcome
          out = @lib.ptr_slot
          err = @lib.ptr_slot
          status = @lib.call(:renderiq_op_outcome, @handle, out, err)
          raise ArgumentError, "the operation is still running: check done? or call wait first" if status == NOT_READY

          @lib.check(status, err)
          @lib.take_string(out)
        end
      end

      # One client handle.
      class Client
        def initialize(lib, handle)
          @lib = lib
          @handle = handle
        end

        # +renderiq_call_start+; +data+ is copied into Ruby-allocated memory, which the library
        # copies again before returning.
        def start(call_json, data)
          out = @lib.ptr_slot
          err = @lib.ptr_slot
          status = @lib.call(:renderiq_call_start, @handle, @lib.cstr(call_json), data && @lib.buf(data),
                             data ? data.bytesize : 0, out, err)
          @lib.check(status, err)
          Op.new(@lib, @lib.own(out.ptr, :renderiq_op_free))
        end
      end
    end
  end
end
