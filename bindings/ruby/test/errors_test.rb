# frozen_string_literal: true

require_relative "test_helper"

# Every error class, raised by a real failure, with its fields.
class ErrorsTest < Minitest::Test
  def test_the_hierarchy_mirrors_the_sdk_error_kinds
    classes = %w[AuthError PermissionDeniedError NotFoundError ValidationError InsufficientCreditsError
                 RateLimitError ConflictError ServerError RenderFailedError NetworkError TimeoutError
                 CancelledError ImageError WebhookVerificationError TokenStoreError ConfigError DecodeError]
    classes.each do |name|
      klass = Renderiq.const_get(name)
      assert_operator klass, :<, Renderiq::Error
    end
    assert_operator Renderiq::Error, :<, StandardError
    assert_equal classes.sort, Renderiq::Error::KINDS.values.map { |k| k.name.split("::").last }.sort
  end

  def test_auth_error_for_wrong_password_and_for_no_session
    email, = server.add_user
    error = assert_renderiq_error(Renderiq::AuthError, :auth) { client_for(server).sign_in(email, "wrong password") }
    assert_equal 401, error.status
    assert_equal "INVALID_CREDENTIALS", error.code
    refute_nil error.request_id
    assert_includes error.message, error.request_id

    error = assert_renderiq_error(Renderiq::AuthError, :auth) { client_for(server).me }
    assert_equal "AUTH_REQUIRED", error.code
  end

  def test_permission_denied_error_for_a_key_without_the_scope
    client = signed_in_client
    key = client.create_api_key("read only", scopes: %w[renders:read]).key
    error = assert_renderiq_error(Renderiq::PermissionDeniedError, :permission_denied) do
      client_for(server, api_key: key).credits
    end
    assert_equal 403, error.status
    assert_equal "INSUFFICIENT_SCOPE", error.code
  end

  def test_not_found_error
    error = assert_renderiq_error(Renderiq::NotFoundError, :not_found) { signed_in_client.retrieve_render("rnd_doesnotexist") }
    assert_equal 404, error.status
    assert_equal "NOT_FOUND", error.code
    refute_nil error.request_id
  end

  def test_validation_error_from_the_server_and_from_the_sdk
    client = signed_in_client
    error = assert_renderiq_error(Renderiq::ValidationError, :invalid_input) do
      client.update_settings(default_aspect_ratio: "7:5")
    end
    assert_equal 400, error.status
    assert_equal "INVALID_INPUT", error.code

    error = assert_renderiq_error(Renderiq::ValidationError, :invalid_input) do
      client.create_render(image: png_file, prompt: "x" * 2001)
    end
    assert_nil error.status
    assert_equal({ "prompt" => "too long" }, error.details)

    assert_renderiq_error(Renderiq::ValidationError, :invalid_input) { client.retrieve_render("not a valid id!") }
  end

  def test_insufficient_credits_error_carries_required_and_available_credits
    client = signed_in_client(credits: 5)
    error = assert_renderiq_error(Renderiq::InsufficientCreditsError, :insufficient_credits) do
      client.create_render(image: png_file, quality: :ultra)
    end
    assert_equal 402, error.status
    assert_equal "INSUFFICIENT_CREDITS", error.code
    assert_equal 20, error.required_credits
    assert_equal 5, error.available_credits
  end

  def test_rate_limit_error_carries_retry_after
    limited = server(create_rate_limit: 1)
    client = signed_in_client(limited, max_retries: 0)
    client.create_render(image: png_file, quality: :standard)
    error = assert_renderiq_error(Renderiq::RateLimitError, :rate_limited) do
      client.create_render(image: png_file, quality: :standard)
    end
    assert_equal 429, error.status
    assert_equal "RATE_LIMIT_EXCEEDED", error.code
    assert_kind_of Float, error.retry_after
    assert_operator error.retry_after, :>, 0
  end

  def test_conflict_error_for_a_finished_render_and_a_reused_idempotency_key
    client = signed_in_client
    render = client.wait_for_render(client.create_render(image: png_file, quality: :standard))
    error = assert_renderiq_error(Renderiq::ConflictError, :conflict) { client.cancel_render(render) }
    assert_equal 409, error.status

    client.create_render(image: png_file, prompt: "a", idempotency_key: "ruby-key-1")
    again = client.create_render(image: png_file, prompt: "a", idempotency_key: "ruby-key-1")
    assert_equal 1, client.renders.count { |r| r.prompt == "a" }
    refute_nil again.id
    error = assert_renderiq_error(Renderiq::ConflictError, :conflict) do
      client.create_render(image: png_file, prompt: "b", idempotency_key: "ruby-key-1")
    end
    assert_equal "IDEMPOTENCY_CONFLICT", error.code
  end

  def test_server_error_from_a_5xx_answer
    body = JSON.generate(success: false, error: "the database is on fire", errorCode: "INTERNAL_ERROR",
                         requestId: "req_fake_500")
    peer = FakePeer.new(status: 500, body: body)
    client = Renderiq::Client.new(base_url: peer.url, plugin_name: "t", plugin_version: "1", token_store: :memory,
                                  max_retries: 0)
    error = assert_renderiq_error(Renderiq::ServerError, :server) { client.health }
    assert_equal 500, error.status
    assert_equal "INTERNAL_ERROR", error.code
    assert_equal "req_fake_500", error.request_id
    assert_includes error.message, "the database is on fire"
  ensure
    peer&.close
  end

  def test_decode_error_for_an_answer_that_is_not_the_api
    peer = FakePeer.new(status: 200, body: "<html>captive portal</html>")
    client = Renderiq::Client.new(base_url: peer.url, plugin_name: "t", plugin_version: "1", token_store: :memory)
    assert_renderiq_error(Renderiq::DecodeError, :decode) { client.health }
  ensure
    peer&.close
  end

  def test_render_failed_error
    client = signed_in_client
    render = client.create_render(image: png_file, prompt: "please [fail]", quality: :standard)
    error = assert_renderiq_error(Renderiq::RenderFailedError, :render_failed) { client.wait_for_render(render) }
    assert_equal "RENDER_FAILED", error.code
    assert_equal render.id, error.details["id"]
    assert_equal "failed", error.details["status"]
    assert client.retrieve_render(render.id).failed?
    assert_equal 200, client.credits.balance, "credits refunded"
  end

  def test_network_error_for_a_closed_port
    client = Renderiq::Client.new(base_url: "http://127.0.0.1:9", plugin_name: "t", plugin_version: "1",
                                  token_store: :memory, max_retries: 0)
    error = assert_renderiq_error(Renderiq::NetworkError, :network) { client.health }
    assert_nil error.status
  end

  def test_timeout_error_for_a_request_and_for_a_wait
    peer = FakePeer.new(hang: true)
    client = Renderiq::Client.new(base_url: peer.url, plugin_name: "t", plugin_version: "1", token_store: :memory,
                                  timeout: 0.3, max_retries: 0)
    assert_renderiq_error(Renderiq::TimeoutError, :timeout) { client.health }

    slow = signed_in_client(server(render_delay_ms: 5000, workers: 1))
    render = slow.create_render(image: png_file, quality: :standard)
    error = assert_renderiq_error(Renderiq::TimeoutError, :timeout) { slow.wait_for_render(render, timeout: 0.3) }
    assert_includes error.message, render.id
  ensure
    peer&.close
  end

  def test_cancelled_error_for_a_cancelled_operation_and_a_cancelled_render
    slow = signed_in_client(server(render_delay_ms: 5000, workers: 1))
    busy = slow.create_render(image: png_file, quality: :standard)
    queued = slow.create_render(image: png_file, quality: :standard)

    op = slow.wait_for_render_async(busy)
    op.cancel
    error = assert_renderiq_error(Renderiq::CancelledError, :cancelled) { op.value }
    assert_nil error.status

    cancelled = slow.cancel_render(queued)
    assert cancelled.cancelled?
    assert_renderiq_error(Renderiq::CancelledError, :cancelled) { slow.wait_for_render(queued) }
  end

  def test_image_error_for_bytes_that_are_no_image_and_a_missing_file
    client = signed_in_client
    assert_renderiq_error(Renderiq::ImageError, :image) do
      client.create_render(image: Renderiq::Image.encoded("this is not an image".b))
    end
    error = assert_renderiq_error(Renderiq::ImageError, :image) { client.create_render(image: "/nonexistent/view.png") }
    assert_includes error.message, "/nonexistent/view.png"
    assert_equal 200, client.credits.balance, "nothing charged"
  end

  def test_webhook_verification_error_and_config_error_for_a_bad_secret
    headers = { "webhook-id" => "msg_1", "webhook-timestamp" => "1700000000", "webhook-signature" => "v1,AAAA" }
    error = assert_renderiq_error(Renderiq::WebhookVerificationError, :webhook_verification) do
      Renderiq::Webhook.verify(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body: "{}", headers: headers,
                               now: 1_700_000_000)
    end
    assert_equal "WEBHOOK_BAD_SIGNATURE", error.code

    error = assert_renderiq_error(Renderiq::ConfigError, :config) do
      Renderiq::Webhook.verify(secret: "whsec_not base64!", body: "{}", headers: headers)
    end
    assert_equal "WEBHOOK_BAD_SECRET", error.code
    refute_includes error.message, "not base64!"
  end

  def test_token_store_error_for_a_wrong_passphrase
    email, password = server.add_user
    path = File.join(Dir.tmpdir, "renderiq-ruby-session-#{Process.pid}-#{rand(1 << 30)}")
    client_for(server, token_store: Renderiq::EncryptedFileStore.new(path, passphrase: "right")).sign_in(email, password)
    wrong = client_for(server, token_store: Renderiq::EncryptedFileStore.new(path, passphrase: "wrong"))
    error = assert_renderiq_error(Renderiq::TokenStoreError, :token_store) { wrong.me }
    refute_includes error.message, "right"
  ensure
    File.delete(path) if path && File.exist?(path)
  end

  def test_config_error_for_a_malformed_base_url
    error = assert_renderiq_error(Renderiq::ConfigError, :config) do
      Renderiq::Client.new(base_url: "ftp://example.com", plugin_name: "t", plugin_version: "1", token_store: :memory)
    end
    assert_includes error.message, "http or https"
  end

  def test_errors_are_built_from_the_sdk_error_document
    doc = { "kind" => "rate_limited", "hintId" => "rate_limited", "code" => "RATE_LIMIT_EXCEEDED",
            "message" => "slow down", "display" => "slow down (the Rust hint) [request r1]", "status" => 429,
            "requestId" => "r1", "details" => nil, "requiredCredits" => nil, "availableCredits" => nil,
            "retryAfter" => 2.5 }
    error = Renderiq::Error.from_json(JSON.generate(doc))
    assert_instance_of Renderiq::RateLimitError, error
    assert_equal 2.5, error.retry_after
    hint = Renderiq::Error::HINTS.fetch("rate_limited")
    assert_equal hint, error.hint
    assert_equal "slow down (#{hint}) [request r1]", error.message
    assert_nil Renderiq::Error.from_payload("kind" => "cancelled", "message" => "m").hint
    assert_instance_of Renderiq::Error, Renderiq::Error.from_payload("kind" => "from_the_future", "message" => "m")
    assert_instance_of ArgumentError, Renderiq::Error.from_payload("kind" => "invalid_argument", "message" => "m")
  end
end
