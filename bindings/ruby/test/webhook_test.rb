# frozen_string_literal: true

require_relative "test_helper"

# Standard Webhooks vectors shared by every binding (tests/vectors/standard-webhooks.json).
class WebhookTest < Minitest::Test
  VECTORS = JSON.parse(File.read(RenderiqTest::VECTORS))

  def headers_for(vector)
    { "webhook-id" => vector["msg_id"], "webhook-timestamp" => vector["timestamp"].to_s,
      "webhook-signature" => vector["signature_header"] || vector["signature"] }
  end

  def test_signing_vectors
    VECTORS.fetch("sign").each do |v|
      assert_equal v["signature"], Renderiq::Webhook.sign(secret: v["secret"], msg_id: v["msg_id"],
                                                         timestamp: v["timestamp"], body: v["payload"])
    end
  end

  def test_verification_vectors
    VECTORS.fetch("verify").each do |v|
      call = lambda do
        Renderiq::Webhook.verify(secret: v["secret"], body: v["payload"], headers: headers_for(v), now: v["timestamp"])
      end
      if v["valid"]
        assert_equal true, call.call, v["name"]
      else
        error = assert_raises(Renderiq::WebhookVerificationError, v["name"]) { call.call }
        assert_equal "WEBHOOK_BAD_SIGNATURE", error.code, v["name"]
        assert_equal :webhook_verification, error.kind
      end
    end
  end

  def test_timestamps_outside_the_tolerance_are_rejected
    v = VECTORS.fetch("verify").find { |x| x["valid"] }
    old = assert_raises(Renderiq::WebhookVerificationError) do
      Renderiq::Webhook.verify(secret: v["secret"], body: v["payload"], headers: headers_for(v), now: v["timestamp"] + 3600)
    end
    assert_equal "WEBHOOK_TIMESTAMP_TOO_OLD", old.code
    new = assert_raises(Renderiq::WebhookVerificationError) do
      Renderiq::Webhook.verify(secret: v["secret"], body: v["payload"], headers: headers_for(v),
                               now: Time.at(v["timestamp"] - 3600))
    end
    assert_equal "WEBHOOK_TIMESTAMP_TOO_NEW", new.code
  end

  def test_missing_header_is_named
    v = VECTORS.fetch("verify").first
    headers = headers_for(v)
    headers.delete("webhook-timestamp")
    error = assert_raises(Renderiq::WebhookVerificationError) do
      Renderiq::Webhook.verify(secret: v["secret"], body: v["payload"], headers: headers, now: v["timestamp"])
    end
    assert_equal "WEBHOOK_MISSING_HEADER", error.code
    assert_includes error.message, "webhook-timestamp"
  end

  def test_rack_env_headers_any_case_and_the_system_clock
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    render = { "id" => "rnd_1", "status" => "completed", "progress" => 100, "style" => "clay", "quality" => "high",
               "aspectRatio" => "16:9", "creditsCost" => 10, "platform" => "sketchup",
               "createdAt" => "2026-01-01T00:00:00Z", "updatedAt" => "2026-01-01T00:00:01Z" }
    body = JSON.generate("type" => "render.completed", "timestamp" => "2026-01-01T00:00:01Z", "data" => render)
    signed = Renderiq::Webhook.headers_for(secret: secret, msg_id: "msg_42", timestamp: Time.now, body: body)
    env = { "HTTP_WEBHOOK_ID" => signed["webhook-id"], "HTTP_WEBHOOK_TIMESTAMP" => signed["webhook-timestamp"],
            "HTTP_WEBHOOK_SIGNATURE" => signed["webhook-signature"], "rack.input" => Object.new }
    assert Renderiq::Webhook.verify(secret: secret, body: body, headers: env)
    mixed = signed.transform_keys { |k| k.split("-").map(&:capitalize).join("-") }
    event = Renderiq::Webhook.verify_event(secret: secret, body: body, headers: mixed)
    assert_equal "render.completed", event.type
    assert_equal "rnd_1", event.data.id
    assert event.data.completed?
    rotated = signed.merge("webhook-signature" => ["v1,AAAA", signed["webhook-signature"]])
    assert Renderiq::Webhook.verify(secret: secret, body: body, headers: rotated)
    assert_raises(Renderiq::WebhookVerificationError) do
      Renderiq::Webhook.verify(secret: secret, body: "#{body} ", headers: signed)
    end
  end

  def test_a_correctly_signed_body_of_any_shape_reads_as_an_event
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    read = lambda do |body|
      headers = Renderiq::Webhook.headers_for(secret: secret, msg_id: "msg_1", timestamp: 1_700_000_000, body: body)
      Renderiq::Webhook.verify_event(secret: secret, body: body, headers: headers, now: 1_700_000_000)
    end
    unknown = read.call('{"type": "render.upscaled", "data": {"renderId": "rnd_1"}, "extra": [1, 2]}')
    assert_equal "render.upscaled", unknown.type
    assert_equal({ "type" => "render.upscaled", "data" => { "renderId" => "rnd_1" }, "extra" => [1, 2] }, unknown.payload)
    no_id = read.call('{"type": "render.completed", "data": {"status": "completed"}}')
    assert_equal "render.completed", no_id.type
    assert_equal({ "status" => "completed" }, no_id.payload["data"])
    assert_equal({ "test" => 1 }, read.call('{"test": 1}').payload)
    error = assert_raises(Renderiq::DecodeError) { read.call("not json") }
    assert_equal "WEBHOOK_BAD_PAYLOAD", error.code
  end

  # Verifying with one secret, then another, then the first again (the extension keeps the
  # last secret's keyed HMAC per thread): each delivery is judged by the secret passed.
  def test_alternating_secrets_and_header_shapes
    first = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    second = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    body = '{"test": 1}'
    signed = [first, second].to_h do |secret|
      [secret, Renderiq::Webhook.headers_for(secret: secret, msg_id: "msg_1", timestamp: 1_700_000_000, body: body)]
    end
    3.times do
      [first, second].each do |secret|
        assert Renderiq::Webhook.verify(secret: secret, body: body, headers: signed[secret], now: 1_700_000_000)
        other = signed[secret == first ? second : first]
        error = assert_raises(Renderiq::WebhookVerificationError) do
          Renderiq::Webhook.verify(secret: secret, body: body, headers: other, now: 1_700_000_000)
        end
        assert_equal "WEBHOOK_BAD_SIGNATURE", error.code
      end
    end
    headers = signed[first]
    symbols = headers.reject { |k, _| k == "webhook-id" }.transform_keys(&:to_sym).merge(HTTP_WEBHOOK_ID: headers["webhook-id"])
    assert Renderiq::Webhook.verify(secret: first.to_sym, body: body, headers: symbols, now: 1_700_000_000)
    pairs = Struct.new(:pairs) { def each_pair(&block) = pairs.each_pair(&block) }.new(headers)
    assert Renderiq::Webhook.verify(secret: first, body: body, headers: pairs, now: 1_700_000_000)
    assert_raises(TypeError) do
      Renderiq::Webhook.verify(secret: first, body: body, headers: headers.merge("webhook-id" => 1), now: 1_700_000_000)
    end
    assert_raises(TypeError) { Renderiq::Webhook.verify(secret: first, body: body, headers: [], now: 1_700_000_000) }
    error = assert_raises(Renderiq::ConfigError) do
      Renderiq::Webhook.verify(secret: "whsec_not base64!", body: body, headers: headers, now: 1_700_000_000)
    end
    assert_equal "WEBHOOK_BAD_SECRET", error.code
  end
end
