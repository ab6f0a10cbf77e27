# frozen_string_literal: true

require_relative "test_helper"

# The generic call entry (Client#call / #start) on both backends, and the error table.
class CallTest < Minitest::Test
  RAW_2X2 = [0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9, 255, 0, 0, 255, 255, 255, 255, 255].pack("C*")

  def test_call_answers_the_decoded_json_result
    email, password = server.add_user(credits: 40)
    client = client_for(server)
    refute client.call(call: :is_signed_in)
    assert_equal "ok", client.call("call" => "health")["status"]
    user = client.call(call: :sign_in, email: email, password: password)
    assert_equal email, user["email"]
    assert_equal 40, client.call(call: :credits)["balance"]
    assert_nil client.call(call: :sign_out)
    refute client.signed_in?
  end

  def test_attached_bytes_go_beside_the_call
    client = client_for(server)
    info = client.call({ call: :prepare_image, image: { kind: :raw, width: 2, height: 2, stride: 12,
                                                       pixelFormat: :bgra8, bottomUp: true } }, RAW_2X2)
    assert_equal [2, 2], [info["width"], info["height"]]
    short = RAW_2X2.byteslice(0, 15)
    error = assert_renderiq_error(Renderiq::ValidationError, :invalid_input) do
      client.call({ call: :prepare_image, image: { kind: :raw, width: 2, height: 2, stride: 12, pixelFormat: :bgra8 } },
                  short)
    end
    assert_equal ["data"], error.details.keys
    assert_raises(TypeError) { client.call({ call: :health }, 42) }
  end

  def test_an_invalid_call_is_a_validation_error_naming_the_calls
    client = client_for(server)
    error = assert_renderiq_error(Renderiq::ValidationError, :invalid_input) { client.call(call: :fly) }
    assert_includes error.message, "retrieve_render"
    error = assert_raises(Renderiq::ValidationError) { client.start(call: :retrieve_render, id: "r", colour: 1) }
    assert_includes error.message, "colour"
    assert_raises(TypeError) { client.call(:credits) }
  end

  def test_errors_carry_the_hint_for_ruby_from_the_error_table
    email, = server.add_user(credits: 0)
    client = client_for(server)
    error = assert_renderiq_error(Renderiq::AuthError, :auth) do
      client.call(call: :sign_in, email: email, password: "not the password")
    end
    assert_equal Renderiq::Error::HINTS.fetch("auth.invalid_credentials"), error.hint
    assert_includes error.hint, "sign_in"
    refute_includes error.hint, "API key"
    assert_includes error.message, "(#{error.hint})"
    assert_includes error.message, error.request_id
  end

  def test_start_reports_versioned_progress_and_keeps_the_outcome
    client = signed_in_client
    op = client.start({ call: :render, image: { kind: :bytes }, settings: { quality: :standard } }, png)
    first = op.progress.version
    assert op.wait(60), "the render finished"
    progress = op.progress
    assert_operator progress.version, :>, first
    assert_equal 100, progress.percent
    render = op.value
    assert_equal "completed", render["status"]
    assert_equal render, op.value
    assert_equal "completed", client.call(call: :retrieve_render, id: render["id"])["status"]
  end

  def test_the_backend_outcome_can_be_read_more_than_once
    client = Renderiq::Backend.current.client("baseUrl" => server.url, "tokenStore" => "memory")
    op = client.start(JSON.generate(call: :retrieve_render, id: "rnd_missing"), nil)
    op.wait(1) until op.done?
    2.times do
      error = assert_raises(Renderiq::AuthError) { JSON.parse(op.outcome) }
      assert_includes error.hint, "sign_in"
    end
    op = client.start(JSON.generate(call: :health), nil)
    op.wait(1) until op.done?
    assert_equal op.outcome, op.outcome
    assert_equal "ok", JSON.parse(op.outcome)["status"]
  end

  def test_cancelling_a_started_render_while_pending_withdraws_it
    client = signed_in_client(held_server, credits: 50)
    client.create_render(image: png_file, quality: :standard) # keeps the only worker busy
    op = client.start(call: :render, image: { kind: :file, path: png_file }, settings: { quality: :standard })
    wait_until("the render never became pending") { op.progress.stage == :pending || op.done? }
    pending = op.progress.render
    op.cancel
    assert_raises(Renderiq::CancelledError) { op.value }
    # The withdrawal is a request of its own, sent as the operation ends.
    wait_until("the render was not withdrawn") do
      client.call(call: :retrieve_render, id: pending.id)["status"] == "cancelled"
    end
    assert_equal 45, client.call(call: :credits)["balance"], "the withdrawn render was refunded"
  end

  def test_every_kind_of_the_table_has_its_class
    Renderiq::Error::KINDS.each do |kind, klass|
      error = Renderiq::Error.from_payload("kind" => kind, "message" => "m", "hintId" => kind)
      assert_instance_of klass, error
      assert_operator klass, :<, Renderiq::Error
      hint = Renderiq::Error::HINTS[kind]
      hint.nil? ? assert_nil(error.hint) : assert_equal(hint, error.hint)
    end
    assert_equal Renderiq::ValidationError, Renderiq::Error::KINDS["invalid_input"]
    assert_equal Renderiq::RateLimitError, Renderiq::Error::KINDS["rate_limited"]
    assert_equal Renderiq::Generated::ERROR_CLASSES.size, Renderiq::Error::KINDS.size
  end
end
