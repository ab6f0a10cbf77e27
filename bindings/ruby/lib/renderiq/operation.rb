# frozen_string_literal: true

require "json"

module Renderiq
  # A call running in the background ({Client#start}, the +*_async+ methods), for host apps
  # whose UI thread must never block. Poll it from a UI timer; read its value once it is done:
  #
  #   op = client.render_async(image: "/tmp/view.png", prompt: "dusk")
  #   UI.start_timer(0.25, true) do
  #     op.done? ? show(op.value) : show_progress(op.progress.percent, op.progress.stage)
  #   end
  #
  # From a worker thread, {#value} blocks (with the GVL released) until the call ends.
  class Operation
    # How long one GVL-free wait lasts before Ruby runs its interrupts and progress blocks.
    SLICE = 0.1

    # @api private
    def initialize(op, model = nil)
      @op = op
      @model = model
    end

    # @return [Boolean] the call finished: with a value, with an error, or cancelled
    def done?
      @op.done?
    end

    # @return [Progress] how far the call got (+percent+, +stage+, +render+, +version+)
    def progress
      Progress.from_core(JSON.parse(@op.progress_json))
    end

    # Asks the call to stop; {#value} then raises {CancelledError}. A call that creates a
    # render withdraws it while pending; a plain wait leaves the render alone.
    # @return [self]
    def cancel
      @op.cancel
      self
    end

    # @return [Boolean] {#cancel} was called
    def cancelled?
      @op.cancelled?
    end

    # Waits until the call finished, or +timeout+ seconds passed, with the GVL released.
    # @param timeout [Numeric, nil] seconds; nil waits as long as it takes
    # @return [Boolean] whether the call finished
    def wait(timeout = nil)
      raise ArgumentError, "timeout must be nil or seconds >= 0, got #{timeout.inspect}" if timeout&.negative?

      deadline = timeout && (Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout)
      loop do
        left = deadline && (deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC))
        return @op.done? if left && left <= 0
        return true if @op.wait(left ? [SLICE, left].min : SLICE)
      end
    end

    # The call's result, waiting for it if needed; readable again. Yields each new {Progress}
    # to the block, on this thread. An exception (or interrupt) while waiting cancels the call.
    # @raise [Renderiq::Error] the call's error ({CancelledError} after {#cancel})
    def value(&block)
      finished = false
      seen = nil
      loop do
        done = @op.wait(SLICE)
        seen = report(seen, &block) if block
        break if done
      end
      finished = true
      result = JSON.parse(@op.outcome)
      @model ? @model.from_wire(result) : result
    ensure
      @op.cancel unless finished
    end

    # Short description with the state.
    def inspect
      "#<Renderiq::Operation #{@op.done? ? 'done' : 'running'}#{cancelled? ? ', cancelled' : ''}>"
    end

    private

    # Yields the progress when the core's change counter moved past +seen+ and it says
    # something (a stage or a render); answers the version seen.
    def report(seen)
      progress = self.progress
      return seen if progress.version == seen

      yield progress if progress.stage || progress.render
      progress.version
    end
  end
end
