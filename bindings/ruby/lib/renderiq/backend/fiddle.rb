# frozen_string_literal: true

require "fiddle"
require "fiddle/import"
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
    # - every string the library returns is freed with +renderiq_string_free+, every byte buffer
    #   with +renderiq_bytes_free+, every error with +renderiq_error_free+, and clients and
    #   operations with their +_free+ when Ruby collects their wrapper;
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
        renderiq_call_start: [[VOIDP, VOIDP, VOIDP, SIZE, VOIDP, VOIDP], I32, true],
        renderiq_op_outcome: [[VOIDP, VOIDP, VOIDP], I32, true],
        renderiq_client_free: [[VOIDP], I32, true],
        renderiq_client_sign_in: [[VOIDP, VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_use_api_key: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_sign_out: [[VOIDP, VOIDP], I32, false],
        renderiq_client_is_signed_in: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_me: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_health: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_credits: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_credit_transactions: [[VOIDP, U32, U32, VOIDP, VOIDP], I32, false],
        renderiq_client_projects_list: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_project_create: [[VOIDP, VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_settings_get: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_settings_update: [[VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_api_key_create: [[VOIDP, VOIDP, VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_api_keys_list: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_api_key_revoke: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_webhook_register: [[VOIDP, VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_webhooks_list: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_webhook_delete: [[VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_render_get: [[VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_render_list: [[VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_render_cancel: [[VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_render_download: [[VOIDP, VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_client_render_download_to_file: [[VOIDP, VOIDP, VOIDP, VOIDP, VOIDP], I32, false],
        renderiq_error_json: [[VOIDP], VOIDP, true],
        renderiq_error_free: [[VOIDP], I32, true],
        renderiq_string_free: [[VOIDP], I32, true],
        renderiq_bytes_free: [[VOIDP, SIZE], I32, true],
        renderiq_render_create_start: [[VOIDP, VOIDP, VOIDP, VOIDP, VOIDP], I32, true],
        renderiq_render_wait_start: [[VOIDP, VOIDP, U32, VOIDP, VOIDP], I32, true],
        renderiq_render_start: [[VOIDP, VOIDP, VOIDP, U32, VOIDP, VOIDP], I32, true],
        renderiq_op_poll: [[VOIDP], I32, true],
        renderiq_op_progress: [[VOIDP, VOIDP, VOIDP, VOIDP], I32, true],
        renderiq_op_cancel: [[VOIDP], I32, true],
        renderiq_op_wait: [[VOIDP, U32, VOIDP, VOIDP], I32, false],
        renderiq_op_free: [[VOIDP], I32, true],
        renderiq_webhook_verify: [[VOIDP, VOIDP, SIZE, VOIDP, VOIDP, VOIDP, I64, VOIDP, VOIDP], I32, true],
        renderiq_webhook_sign: [[VOIDP, VOIDP, I64, VOIDP, SIZE, VOIDP, VOIDP], I32, true]
      }.freeze

      # +RenderiqImage+ of renderiq.h.
      module Types
        extend ::Fiddle::Importer
        Image = struct([
                         "uint32_t kind", "const char* path", "const uint8_t* data", "size_t len",
                         "uint32_t width", "uint32_t height", "size_t stride",
                         "uint32_t pixel_format", "uint32_t bottom_up"
                       ])
      end
      IMAGE_KINDS = { file: 1, encoded: 2, raw: 3 }.freeze
      PIXEL_FORMATS = { rgba: 1, bgra: 2 }.freeze

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
        status = call(:renderiq_client_new, cstr(JSON.generate(config)), slot, err)
        check(status, err)
        Client.new(self, own(slot.ptr, :renderiq_client_free))
      end

      def webhook_verify(secret, body, headers, now)
        verify_delivery(secret, body, headers, now, nil)
        true
      end

      # The core's event JSON of a verified delivery (+out_event_json+ of renderiq_webhook_verify).
      def webhook_event(secret, body, headers, now)
        out = ptr_slot
        verify_delivery(secret, body, headers, now, out)
        JSON.parse(take_string(out))
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

      private

      def verify_delivery(secret, body, headers, now, out_event)
        err = ptr_slot
        status = call(:renderiq_webhook_verify, cstr(secret), buf(body), body.bytesize,
                      header(headers, "webhook-id"), header(headers, "webhook-timestamp"),
                      header(headers, "webhook-signature"), now || 0, out_event, err)
        check(status, err)
      end

      def header(headers, name)
        value = headers[name]
        value.nil? ? nil : cstr(value)
      end

      # A background render operation of the library.
      class Op
        def initialize(lib, handle)
          @lib = lib
          @handle = handle # freed (and cancelled if running) by renderiq_op_free when collected
          @result = nil
          @cancelled = false
          @lock = Mutex.new
        end

        def wait(seconds)
          return true if @result

          @lock.synchronize do # renderiq_op_wait hands the result to one caller only
            return true if @result

            ms = (seconds * 1000).ceil.clamp(0, WAIT_SLICE_LIMIT)
            out = @lib.ptr_slot
            err = @lib.ptr_slot
            status = @lib.call(:renderiq_op_wait, @handle, ms, out, err)
            return false if status == NOT_READY

            @result =
              begin
                @lib.check(status, err)
                [:ok, @lib.take_string(out)]
              rescue Renderiq::Error, ArgumentError => e
                [:error, e]
              end
            true
          end
        end

        def done?
          !@result.nil? || @lib.call(:renderiq_op_poll, @handle) == 1
        end

        def cancel
          @cancelled = true
          @lib.call(:renderiq_op_cancel, @handle)
          nil
        end

        def cancelled?
          @cancelled
        end

        def progress
          out = @lib.ptr_slot
          err = @lib.ptr_slot
          status = @lib.call(:renderiq_op_progress, @handle, nil, out, err)
          @lib.check(status, err)
          doc = JSON.parse(@lib.take_string(out))
          doc.delete("done")
          doc
        end

        def take
          wait(Backend::SLICE) until @result
          kind, value = @result
          @result = [:error, Renderiq::Error.new("the operation's result was already taken", kind: :already_taken)]
          raise value if kind == :error

          JSON.parse(value)
        end
      end

      # An operation of the generic call entry, whose outcome can be read more than once:
      # from {#wait}'s copy once a wait took it (+renderiq_op_wait+ hands it over), else with
      # +renderiq_op_outcome+, which leaves it in place.
      class CallOp < Op
        def outcome
          kind, value = @result || read_outcome
          raise value if kind == :error

          JSON.parse(value)
        end
        alias take outcome

        private

        def read_outcome
          out = @lib.ptr_slot
          err = @lib.ptr_slot
          status = @lib.call(:renderiq_op_outcome, @handle, out, err)
          raise ArgumentError, "the operation is still running: check done? or call wait first" if status == NOT_READY

          @lib.check(status, err)
          [:ok, @lib.take_string(out)]
        rescue Renderiq::Error => e
          [:error, e]
        end
      end

      # One client handle; the methods mirror the C ABI's calls.
      class Client
        def initialize(lib, handle)
          @lib = lib
          @handle = handle
        end

        # Any call of the core (+call_json+), image bytes beside it in +data+ (or nil); the
        # decoded result. Runs as an operation waited for in slices, so that Ruby can interrupt
        # the wait (which cancels the call), as with the native backend.
        def call(call_json, data)
          Backend.await(start(call_json, data))
        end

        # +renderiq_call_start+: +data+ is copied into Ruby-allocated memory, which the library
        # copies again before returning.
        def start(call_json, data)
          bytes = data && @lib.buf(data)
          start_op(:renderiq_call_start, @lib.cstr(call_json), bytes, data ? data.bytesize : 0) { |h| CallOp.new(@lib, h) }
        end

        def sign_in(email, password)
          json(:renderiq_client_sign_in, @lib.cstr(email), @lib.cstr(password))
        end

        def use_api_key(key)
          unit(:renderiq_client_use_api_key, @lib.cstr(key))
        end

        def signed_in?
          flag = ::Fiddle::Pointer.malloc(1, ::Fiddle::RUBY_FREE)
          flag[0] = 0
          unit(:renderiq_client_is_signed_in, flag)
          flag[0] == 1
        end

        def me
          json(:renderiq_client_me)
        end

        def sign_out
          unit(:renderiq_client_sign_out)
        end

        def health
          json(:renderiq_client_health)
        end

        def credits
          json(:renderiq_client_credits)
        end

        def credit_transactions(page, limit)
          json(:renderiq_client_credit_transactions, page, limit)
        end

        def projects
          json(:renderiq_client_projects_list)
        end

        def create_project(name, description)
          json(:renderiq_client_project_create, @lib.cstr(name), @lib.cstr(description))
        end

        def settings
          json(:renderiq_client_settings_get)
        end

        def update_settings(update)
          json(:renderiq_client_settings_update, @lib.cstr(JSON.generate(update)))
        end

        def create_api_key(name, scopes, expires_at)
          json(:renderiq_client_api_key_create, @lib.cstr(name), @lib.cstr(JSON.generate(scopes)), @lib.cstr(expires_at))
        end

        def api_keys
          json(:renderiq_client_api_keys_list)
        end

        def revoke_api_key(id)
          unit(:renderiq_client_api_key_revoke, @lib.cstr(id))
        end

        def register_webhook(url, events)
          json(:renderiq_client_webhook_register, @lib.cstr(url), @lib.cstr(JSON.generate(events)))
        end

        def webhooks
          json(:renderiq_client_webhooks_list)
        end

        def delete_webhook(id)
          unit(:renderiq_client_webhook_delete, @lib.cstr(id))
        end

        def get_render(id)
          json(:renderiq_client_render_get, @lib.cstr(id))
        end

        def list_renders(query)
          json(:renderiq_client_render_list, @lib.cstr(JSON.generate(query)))
        end

        def cancel_render(id)
          json(:renderiq_client_render_cancel, @lib.cstr(id))
        end

        def download_render(render_json, path)
          err = @lib.ptr_slot
          if path
            size = @lib.ptr_slot
            status = @lib.call(:renderiq_client_render_download_to_file, @handle, @lib.cstr(render_json),
                               @lib.cstr(path), size, err)
            @lib.check(status, err)
            size[0, 8].unpack1("Q")
          else
            data = @lib.ptr_slot
            len = @lib.ptr_slot
            status = @lib.call(:renderiq_client_render_download, @handle, @lib.cstr(render_json), data, len, err)
            @lib.check(status, err)
            ptr = data.ptr
            n = len[0, ::Fiddle::SIZEOF_VOIDP].unpack1("J")
            begin
              ptr.to_s(n)
            ensure
              @lib.call(:renderiq_bytes_free, ptr, n)
            end
          end
        end

        def create_render_start(image, params)
          with_image(image) do |img|
            start_op(:renderiq_render_create_start, img, @lib.cstr(JSON.generate(params)))
          end
        end

        def wait_start(id, timeout_ms)
          start_op(:renderiq_render_wait_start, @lib.cstr(id), timeout_ms)
        end

        def render_start(image, params, timeout_ms)
          with_image(image) do |img|
            start_op(:renderiq_render_start, img, @lib.cstr(JSON.generate(params)), timeout_ms)
          end
        end

        private

        def json(name, *args)
          out = @lib.ptr_slot
          err = @lib.ptr_slot
          status = @lib.call(name, @handle, *args, out, err)
          @lib.check(status, err)
          JSON.parse(@lib.take_string(out))
        end

        def unit(name, *args)
          err = @lib.ptr_slot
          status = @lib.call(name, @handle, *args, err)
          @lib.check(status, err)
          nil
        end

        # Starts an operation with +name+; the block wraps its handle (default an {Op}).
        def start_op(name, *args)
          out = @lib.ptr_slot
          err = @lib.ptr_slot
          status = @lib.call(name, @handle, *args, out, err)
          @lib.check(status, err)
          handle = @lib.own(out.ptr, :renderiq_op_free)
          block_given? ? yield(handle) : Op.new(@lib, handle)
        end

        # A RenderiqImage for the duration of the block (the library copies it before returning).
        def with_image(image)
          img = Types::Image.malloc(::Fiddle::RUBY_FREE)
          img.kind = IMAGE_KINDS.fetch(image.kind)
          img.path = nil
          img.data = nil
          img.len = 0
          img.width = 0
          img.height = 0
          img.stride = 0
          img.pixel_format = 0
          img.bottom_up = 0
          keep = []
          case image.kind
          when :file
            keep << (img.path = @lib.cstr(image.path))
          else
            data = @lib.buf(image.bytes)
            keep << data
            img.data = data
            img.len = image.bytes.bytesize
            if image.kind == :raw
              img.width = image.width
              img.height = image.height
              img.stride = image.stride
              img.pixel_format = PIXEL_FORMATS.fetch(image.format)
              img.bottom_up = image.bottom_up ? 1 : 0
            end
          end
          yield img
        ensure
          keep&.each { |ptr| ptr.call_free if ptr.respond_to?(:call_free) }
        end
      end
    end
  end
end
