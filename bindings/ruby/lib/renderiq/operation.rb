# frozen_string_literal: true

module Renderiq
  # A call running in the background, for host apps whose UI thread must never block.
  #
  # Poll it from a UI timer; take its value once it is done:
  #
  #   op = client.create_and_wait_async(image: "/tmp/view.png", prompt: "dusk")
  #   UI.start_timer(0.25, true) do
  #     if op.done?
  #       render = op.value   # raises the call's Renderiq::Error, if it failed
  #     else
  #       show_progress(op.progress.percent, op.progress.stage)
  #     end
  #   end
  #
  # From a worker thread, {#value} simply blocks (with the GVL released) until the call ends.
  class Operation
    # @api private
    def initialize(op, &convert)
      @op = op
      @convert = convert || ->(v) { v }
      @mutex = Mutex.new
      @settled = false
      @value = nil
      @error = nil
    end

    # @return [Boolean] the call finished: with a value, with an error, or cancelled
    def done?
      @settled || @op.done?
    end

    # @return [Progress] how far the call got (+percent+, +stage+, the +render+ as last seen)
    def progress
      Progress.from_wire(@op.progress)
    end

    # Asks the call to stop. It ends soon after; {#value} then raises {Renderiq::CancelledError}
    # (unless it had already finished). An operation from {Client#create_and_wait_async} also
    # withdraws its render on the server while it is pending (refunding it); cancelling a plain
    # wait leaves the render alone ({Client#cancel_render} withdraws it).
    # @return [self]
    def cancel
      @op.cancel
      self
    end

    # @return [Boolean] {#cancel} was called
    def cancelled?
      @op.cancelled?
    end

    # Waits until the call finished, or until +timeout+ seconds passed, with the GVL released.
    # @param timeout [Numeric, nil] seconds; nil waits as long as it takes
    # @return [Boolean] whether the call finished
    def wait(timeout = nil)
      return true if @settled

      unless timeout.nil? || (timeout.is_a?(Numeric) && timeout >= 0)
        raise ArgumentError, "timeout must be nil or seconds >= 0, got #{timeout.inspect}"
      end

      deadline = timeout && (monotonic + timeout)
      loop do
        slice = Backend::SLICE
        if deadline
          left = deadline - monotonic
          return @op.done? if left <= 0

          slice = [slice, left].min
        end
        return true if @op.wait(slice)
      end
    end

    # The call's result, waiting for it if needed (with the GVL released). Yields a {Progress}
    # to the block, on this thread, whenever it changes while waiting.
    # @yieldparam progress [Progress]
    # @return the result ({Render}, …)
    # @raise [Renderiq::Error] the call's error ({CancelledError} after {#cancel})
    def value(&block)
      @mutex.synchronize do
        unless @settled
          on_progress = block && ->(hash) { block.call(Progress.from_wire(hash)) }
          begin
            @value = @convert.call(Backend.await(@op, on_progress))
          rescue Renderiq::Error => e
            @error = e
          end
          @settled = true
        end
      end
      raise @error if @error

      @value
    end

    # Short description with the state.
    def inspect
      state = if @settled then @error ? "failed (#{@error.class.name})" : "done"
              elsif @op.done? then "done"
              else "running"
              end
      "#<Renderiq::Operation #{state}#{cancelled? ? ', cancelled' : ''}>"
    end

    private

    def monotonic
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
