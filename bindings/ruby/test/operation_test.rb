# frozen_string_literal: true

require_relative "test_helper"

# Background handles, and blocking calls that release the GVL and can be interrupted.
class OperationTest < Minitest::Test
  def slow_server
    server(render_delay_ms: 2500, workers: 4)
  end

  def test_background_render_is_polled_from_a_timer_until_done
    client = signed_in_client
    op = client.render_async(image: png_file, prompt: "polled", quality: :standard, timeout: 60)
    assert_kind_of Renderiq::Operation, op
    stages = []
    seen = []
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 60
    until op.done? # what a UI timer tick does: never block
      progress = op.progress
      assert_kind_of Renderiq::Progress, progress
      assert_includes 0..100, progress.percent
      seen << [progress.stage, progress.percent]
      stages << progress.stage if progress.stage && stages.last != progress.stage
      flunk "not done in 60 s: #{stages.inspect}" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      sleep 0.02
    end
    render = op.value
    assert render.completed?
    assert_equal render, op.value, "the value is kept"
    assert_equal :completed, op.progress.stage
    assert_equal 100, op.progress.percent
    seen << [op.progress.stage, op.progress.percent]
    # The stages come in order and, within a stage, the percentage never goes down (each stage
    # counts from 0 to 100 on its own: the upload, then the render on the server).
    order = [nil, :preparing, :uploading, :pending, :processing, :completed]
    seen.each_cons(2) do |(stage_a, percent_a), (stage_b, percent_b)|
      assert_operator order.index(stage_b), :>=, order.index(stage_a), "the stage went back: #{seen.inspect}"
      assert_operator percent_b, :>=, percent_a, "the progress went down: #{seen.inspect}" if stage_a == stage_b
    end
    refute op.cancelled?
    refute_empty stages
    assert(stages.all? { |s| %i[preparing uploading pending processing completed].include?(s) }, stages.inspect)
    assert_match(/done/, op.inspect)
  end

  def test_render_creates_and_waits_in_one_call_with_progress
    client = signed_in_client
    stages = []
    render = client.render(image: png_file, quality: :standard, timeout: 60) { |p| stages << p.stage }
    assert render.completed?
    assert_equal :completed, stages.last, "the block saw the render end"
    assert(stages.all? { |s| %i[preparing uploading pending processing completed].include?(s) }, stages.inspect)
    assert_equal render, client.retrieve_render(render.id)
    assert_match(/\Awhsec_/, client.callback_secret)
  end

  def test_create_render_async_then_wait_for_render_async
    client = signed_in_client
    created = client.create_render_async(image: Renderiq::Image.encoded(png), quality: :standard)
    assert created.wait(30)
    render = created.value
    assert render.pending? || render.processing?
    waiting = client.wait_for_render_async(render.id, timeout: 60)
    assert_equal render.id, waiting.value.id
    assert waiting.done?
  end

  def test_background_wait_is_cancelled_midway
    client, render = pending_render # only cancelling can end the wait before its timeout
    op = client.wait_for_render_async(render, timeout: 120)
    refute op.wait(0.3), "still running"
    refute op.done?
    op.cancel
    assert op.cancelled?
    assert op.wait(60), "the cancelled wait finished (the render itself never would)"
    assert op.done?
    error = assert_raises(Renderiq::CancelledError) { op.value }
    assert_equal :cancelled, error.kind
    assert_raises(Renderiq::CancelledError) { op.value }
    # The render itself is untouched on the server: only the wait was cancelled.
    assert client.retrieve_render(render.id).pending?
  end

  def test_create_and_wait_cancelled_midway_reports_the_created_render
    client = signed_in_client(slow_server)
    op = client.render_async(image: png_file, quality: :standard)
    wait_until("the operation never reported the created render") { op.progress.render || op.done? }
    created = op.progress.render
    assert_kind_of Renderiq::Render, created
    op.cancel
    assert_raises(Renderiq::CancelledError) { op.value }
    assert_equal created.id, client.retrieve_render(created.id).id
  end

  def test_cancelling_create_and_wait_withdraws_the_pending_render
    client = signed_in_client(held_server)
    client.create_render(image: png_file, quality: :standard) # keeps the only worker busy for an hour
    before = client.credits.balance
    op = client.render_async(image: png_file, quality: :standard)
    wait_until("the render was never created") { op.progress.render || op.done? }
    queued = op.progress.render
    assert queued.pending?, "queued behind the busy render: #{queued.status}"
    assert_operator client.credits.balance, :<, before, "it was charged"
    op.cancel
    assert_raises(Renderiq::CancelledError) { op.value }
    wait_until("still pending on the server") { !client.retrieve_render(queued.id).pending? }
    assert client.retrieve_render(queued.id).cancelled?, "withdrawn on the server"
    assert_equal before, client.credits.balance, "its credits were refunded"
  end

  # Another thread cancels the render once it sees +waiter+ blocked (status "sleep": in a
  # blocking region, the GVL released) inside the wait whose long-poll reached the server. Were
  # the GVL held during the native wait, the thread would never see that and the wait would run
  # out its timeout.
  def cancel_when_blocked(client, render, waiter, long_poll: true)
    Thread.new do
      Thread.current.report_on_exception = false
      held_server.wait_for_log(*long_poll_log(render.id), timeout: 60) if long_poll
      wait_until("the waiting thread never blocked with the GVL released", timeout: 60) do
        waiter.status == "sleep"
      end
      client.cancel_render(render.id)
      :cancelled
    end
  end

  def test_a_blocking_wait_releases_the_gvl
    client, render = pending_render
    canceller = cancel_when_blocked(client, render, Thread.current)
    # A Renderiq::TimeoutError instead: the other thread never ran while the wait blocked.
    assert_raises(Renderiq::CancelledError) { client.wait_for_render(render, timeout: 60) }
    assert_equal :cancelled, canceller.value, "the other thread cancelled the render during the wait"
    assert client.retrieve_render(render.id).cancelled?
  end

  def test_one_operation_wait_releases_the_gvl
    client, render = pending_render
    op = client.wait_for_render_async(render, timeout: 120)
    backend_op = op.instance_variable_get(:@op) # one call into the backend, no Ruby code between slices
    # The long-poll reached the server before the call: only the thread state proves the call.
    held_server.wait_for_log(*long_poll_log(render.id), timeout: 60)
    canceller = cancel_when_blocked(client, render, Thread.current, long_poll: false)
    assert backend_op.wait(60), "the call ended because the other thread cancelled the render while it blocked"
    assert_equal :cancelled, canceller.value
    assert_raises(Renderiq::CancelledError) { op.value }
  ensure
    op&.cancel
  end

  def test_an_interrupted_blocking_wait_raises_at_once_and_stops_the_work
    client, render = pending_render # the wait can end only by the interruption
    assert_raises(Timeout::Error) { Timeout.timeout(0.3) { client.wait_for_render(render, timeout: 120) } }

    interrupted = Class.new(StandardError)
    waiter = Thread.new do
      Thread.current.report_on_exception = false
      client.wait_for_render(render, timeout: 120)
    end
    wait_until("the waiting thread never blocked in the wait", timeout: 60) { waiter.status == "sleep" }
    waiter.raise(interrupted, "stop")
    assert_raises(interrupted) { waiter.join(60) || flunk("the waiting thread did not stop") }
    assert client.retrieve_render(render.id).pending?, "only the wait was stopped, not the render"
  end

  def test_an_exception_in_the_progress_block_ends_the_wait
    client = signed_in_client
    render = client.create_render(image: png_file, quality: :standard)
    assert_raises(ZeroDivisionError) { client.wait_for_render(render) { |_p| 1 / 0 } }
    assert client.wait_for_render(render).completed?
  end

  def test_operation_wait_rejects_a_negative_timeout
    client = signed_in_client
    op = client.wait_for_render_async(client.create_render(image: png_file, quality: :standard))
    assert_raises(ArgumentError) { op.wait(-1) }
    assert op.wait(30)
    assert op.value.completed?
  end
end
