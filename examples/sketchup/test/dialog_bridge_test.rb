# frozen_string_literal: true

require_relative "test_helper"

class DialogBridgeTest < Minitest::Test
  def setup
    super
    @server = render_server
    @client = new_client(@server)
    @dialog = UI::HtmlDialog.new(dialog_title: "Renderiq")
    @controller = Renderiq::SketchUpPlugin::RenderController.new(client: @client, work_dir: work_dir)
    @bridge = Renderiq::SketchUpPlugin::DialogBridge.new(dialog: @dialog, client: @client, controller: @controller).attach
  end

  def test_the_page_callbacks_are_registered
    assert_equal Renderiq::SketchUpPlugin::DialogBridge::CALLBACKS.sort, @dialog.callbacks.keys.sort
  end

  def test_sign_in_render_and_sign_out_through_the_page
    @dialog.trigger("ready")
    state = @dialog.last_state
    refute state["signedIn"]
    assert_equal "idle", state["state"]

    @dialog.trigger("render", "no session", "", "")
    assert_equal "Sign in first.", @dialog.last_state["message"]

    email, password = @server.add_user
    @dialog.trigger("sign_in", email, "wrong")
    assert_match(/\ASign-in failed: /, @dialog.last_state["message"])
    refute @dialog.last_state["signedIn"]

    @dialog.trigger("sign_in", "", "")
    assert_equal "Enter your email and password.", @dialog.last_state["message"]

    @dialog.trigger("sign_in", email, password)
    state = @dialog.last_state
    assert state["signedIn"]
    assert_equal email, state["email"]
    assert_nil state["message"]

    @dialog.trigger("render", "terrace at dusk", "watercolor", "standard")
    assert_equal "capturing", @dialog.last_state["state"]
    @dialog.trigger("render", "again", "", "")
    assert_equal "A render is already running.", @dialog.last_state["message"]

    run_timers_until { %w[done failed].include?(@dialog.last_state["state"]) }
    state = @dialog.last_state
    assert_equal "done", state["state"], state["error"]
    assert_equal 100, state["percent"]
    assert state["outputUrl"].start_with?("file:///")
    assert File.exist?(state["outputPath"])
    assert_match(/\Arnd_/, state["renderId"])

    @dialog.trigger("ready")
    assert @dialog.last_state["signedIn"], "the session is kept"

    @dialog.trigger("sign_out")
    refute @dialog.last_state["signedIn"]
    refute @client.signed_in?
  end

  def test_bad_values_from_the_page_become_messages
    @client.sign_in(*@server.add_user)
    @dialog.trigger("ready")
    @dialog.trigger("render", "x", "cubist", "")
    assert_match(/unknown style/, @dialog.last_state["message"])
    assert_equal "idle", @dialog.last_state["state"]
  end

  def test_cancel_from_the_page
    client = new_client(render_server(render_delay_ms: 4000, workers: 1))
    dialog = UI::HtmlDialog.new
    controller = Renderiq::SketchUpPlugin::RenderController.new(client: client, work_dir: work_dir)
    Renderiq::SketchUpPlugin::DialogBridge.new(dialog: dialog, client: client, controller: controller).attach
    client.sign_in(*render_server(render_delay_ms: 4000, workers: 1).add_user)
    dialog.trigger("ready")
    dialog.trigger("render", "slow one", "", "")
    UI.fire_timers
    assert_includes %w[uploading processing], dialog.last_state["state"]
    dialog.trigger("cancel")
    assert_equal "idle", dialog.last_state["state"]
    assert_empty UI.timers
  end
end
