# frozen_string_literal: true

require_relative "test_helper"

# Background handles, and blocking calls that release the GVL and can be interrupted.
class OperationTest < Minitest::Test
  def slow_server
    server(render_delay_ms: 2500, workers: 4)
  end

  def test_background_render_is_polled_from_a_timer_until_done
    client = signed_in_client
    op = client.create_and_wait_async(image: png_file, prompt: "polled", quality: :standard, timeout: 60)
    assert_kind_of Renderiq::Operation, op
    stages = []
    ticks = 0
    until op.done? # what a UI timer tick does: never block
      ticks += 1
      progress = op.progress
      assert_kind_of Renderiq::Progress, progress
      assert_includes 0..100, progress.percent
      stages << progress.stage if progress.stage && stages.last != progress.stage
      sleep 0.02
      flunk "not done after #{ticks} ticks" if ticks > 3000
    end
    render = op.value
    assert render.completed?
    assert_equal render, op.value, "the value is kept"
    assert_equal :completed, op.progress.stage
    assert_equal 100, op.progress.percent
    refute op.cancelled?
    refute_empty stages
    assert(stages.all? { |s| %i[preparing uploading pending processing completed].include?(s) }, stages.inspect)
    assert_match(/done/, op.inspect)
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
    client = signed_in_client(slow_server)
    render = client.create_render(image: png_file, quality: :standard)
    op = client.wait_for_render_async(render, timeout: 60)
    refute op.wait(0.3), "still running"
    refute op.done?
    op.cancel
    assert op.cancelled?
    assert op.wait(5), "finished soon after cancel"
    assert op.done?
    error = assert_raises(Renderiq::CancelledError) { op.value }
    assert_equal :cancelled, error.kind
    assert_raises(Renderiq::CancelledError) { op.value }
    # The render itself keeps going on the server: only the wait was cancelled.
    refute client.render(render.id).cancelled?
  end

  def test_create_and_wait_cancelled_midway_reports_the_created_render
    client = signed_in_client(slow_server)
    op = client.create_and_wait_async(image: png_file, quality: :standard)
    sleep 0.05 until op.progress.render || op.done?
    created = op.progress.render
    assert_kind_of Renderiq::Render, created
    op.cancel
    assert_raises(Renderiq::CancelledError) { op.value }
    assert_equal created.id, client.render(created.id).id
  end

  def test_cancelling_create_and_wait_withdraws_the_pending_render
    client = signed_in_client(server(render_delay_ms: 5000, workers: 1))
    client.create_render(image: png_file, quality: :standard) # keeps the only worker busy
    before = client.credits.balance
    op = client.create_and_wait_async(image: png_file, quality: :standard)
    sleep 0.01 until op.progress.render || op.done?
    queued = op.progress.render
    assert queued.pending?, "queued behind the busy render: #{queued.status}"
    assert_operator client.credits.balance, :<, before, "it was charged"
    op.cancel
    assert_raises(Renderiq::CancelledError) { op.value }
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 10
    while client.render(queued.id).pending?
      assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC), :<, deadline, "still pending on the server"
      sleep 0.02
    end
    assert client.render(queued.id).cancelled?, "withdrawn on the server"
    assert_equal before, client.credits.balance, "its credits were refunded"
  end

  def test_a_blocking_wait_releases_the_gvl
    client = signed_in_client(slow_server)
    render = client.create_render(image: png_file, quality: :standard)
    counter = 0
    running = true
    counting = Thread.new { counter += 1 while running }
    begin
      sleep 0.05
      before = counter
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      client.wait_for_render(render, timeout: 60)
      elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
      during = counter - before
    ensure
      running = false
      counting.join
    end
    assert_operator elapsed, :>, 1.0
    # A thread that cannot get the GVL counts nothing; one that has it counts millions a second.
    assert_operator during, :>, 100_000, "the counting thread ran only #{during} times in #{elapsed.round(2)} s"
  end

  def test_one_operation_wait_releases_the_gvl
    client = signed_in_client(slow_server)
    op = client.wait_for_render_async(client.create_render(image: png_file, quality: :standard))
    backend_op = op.instance_variable_get(:@op) # one call into the backend, no Ruby code between slices
    counter = 0
    running = true
    counting = Thread.new { counter += 1 while running }
    begin
      sleep 0.05
      before = counter
      refute backend_op.wait(0.5)
      during = counter - before
    ensure
      running = false
      counting.join
      op.cancel
    end
    # Were the GVL held for the call, the counting thread could not run at all during it.
    assert_operator during, :>, 50_000
  end

  def test_an_interrupted_blocking_wait_raises_at_once_and_stops_the_work
    client = signed_in_client(slow_server)
    render = client.create_render(image: png_file, quality: :standard)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    assert_raises(Timeout::Error) { Timeout.timeout(0.3) { client.wait_for_render(render) } }
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, 1.5

    interrupted = Class.new(StandardError)
    waiter = Thread.new do
      Thread.current.report_on_exception = false
      client.wait_for_render(render)
    end
    sleep 0.2
    waiter.raise(interrupted, "stop")
    assert_raises(interrupted) { waiter.join(2) || flunk("the waiting thread did not stop") }
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
