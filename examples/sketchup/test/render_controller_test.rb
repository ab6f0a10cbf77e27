# frozen_string_literal: true

require_relative "test_helper"

class RenderControllerTest < Minitest::Test
  def controller(client, **options)
    changes = []
    @percents = []
    listener = lambda do |ctl|
      changes << ctl.state
      @percents << ctl.percent
    end
    c = Renderiq::SketchUpPlugin::RenderController.new(client: client, work_dir: work_dir, listener: listener,
                                                       **options)
    [c, changes]
  end

  def test_a_render_goes_from_capture_to_done_on_timer_ticks
    client = signed_in(render_server)
    ctl, changes = controller(client)
    assert_equal :idle, ctl.state
    assert ctl.start(prompt: "evening light", style: "clay", quality: "standard")
    assert_equal :capturing, ctl.state
    assert_equal 1, UI.timers.size
    assert UI.timers.first.repeat
    assert_equal Renderiq::SketchUpPlugin::RenderController::TICK, UI.timers.first.interval

    UI.fire_timers # one tick: capture and start the background render
    view = Sketchup.active_model.active_view
    assert_equal 1, view.writes.size
    capture = view.writes.first
    assert_equal [320, 180], [capture[:width], capture[:height]]
    assert File.exist?(capture[:filename])
    assert_includes %i[uploading processing], ctl.state

    run_timers_until { ctl.state == :done || ctl.state == :failed }
    assert_equal :done, ctl.state, ctl.error_message
    assert_empty UI.timers, "the timer is stopped"
    assert ctl.render.completed?
    assert_equal "clay", ctl.render.style
    assert File.size(ctl.output_path) > 100
    assert_equal 100, ctl.percent
    assert_equal @percents.sort, @percents, "the percentage shown never goes down"
    assert_equal %i[capturing uploading], changes.first(2)
    assert_equal :done, changes.last
    assert_equal "done", ctl.to_h["state"]
    assert_equal 195, client.credits.balance
  end

  def test_the_capture_is_scaled_to_the_longest_edge
    Sketchup.active_model.active_view = Sketchup::FakeView.new(4096, 1024)
    ctl, = controller(signed_in(render_server))
    ctl.start(prompt: "wide")
    UI.fire_timers
    write = Sketchup.active_model.active_view.writes.first
    assert_equal [2048, 512], [write[:width], write[:height]]
    ctl.cancel
  end

  def test_a_timer_firing_again_during_a_tick_does_nothing
    client = signed_in(render_server)
    ctl, = controller(client)
    view = Sketchup.active_model.active_view
    nested = 0
    view.on_write = lambda do
      nested += 1
      UI.fire_timers # SketchUp 2024+: the repeating timer fires while the tick still runs
    end
    ctl.start(prompt: "re-entry")
    UI.fire_timers
    assert_equal 1, nested
    assert_equal 1, view.writes.size, "captured once"
    run_timers_until { %i[done failed].include?(ctl.state) }
    assert_equal :done, ctl.state, ctl.error_message
    assert_equal 1, client.renders.count, "one render created"
  end

  def test_a_failed_render_ends_in_failed_with_the_reason
    client = signed_in(render_server)
    ctl, = controller(client)
    ctl.start(prompt: "[fail] on purpose", quality: "standard")
    run_timers_until { %i[done failed].include?(ctl.state) }
    assert_equal :failed, ctl.state
    assert_match(/failed/i, ctl.error_message)
    assert_empty UI.timers
    assert_equal 200, client.credits.balance, "refunded"
  end

  def test_insufficient_credits_fail_without_a_charge
    client = signed_in(render_server, credits: 3)
    ctl, = controller(client)
    ctl.start(prompt: "too expensive", quality: "ultra")
    run_timers_until { %i[done failed].include?(ctl.state) }
    assert_equal :failed, ctl.state
    assert_match(/credits/i, ctl.error_message)
    assert_equal 3, client.credits.balance
  end

  def test_cancel_stops_the_timer_and_the_render
    client = signed_in(render_server(render_delay_ms: 4000, workers: 1))
    ctl, = controller(client)
    ctl.start(prompt: "slow")
    run_timers_until { ctl.render }
    assert ctl.busy?
    assert ctl.cancel
    assert_equal :idle, ctl.state
    assert_empty UI.timers
    refute ctl.cancel, "nothing left to cancel"
    UI.fire_timers
    assert_equal :idle, ctl.state
  end

  def test_only_one_render_at_a_time_and_arguments_are_checked
    ctl, = controller(signed_in(render_server))
    assert ctl.start(prompt: "first")
    refute ctl.start(prompt: "second")
    assert_equal 1, UI.timers.size
    ctl.cancel
    assert_raises(ArgumentError) { ctl.start(prompt: "x", quality: "best") }
    assert_raises(ArgumentError) { ctl.start(prompt: "x", style: "cubist") }
  end

  def test_a_capture_failure_is_reported_not_raised
    ctl, = controller(signed_in(render_server))
    Sketchup.active_model.active_view.on_write = -> { raise IOError, "disk full" }
    ctl.start(prompt: "x")
    UI.fire_timers
    assert_equal :failed, ctl.state
    assert_match(/disk full/, ctl.error_message)
    assert_empty UI.timers
  end
end
