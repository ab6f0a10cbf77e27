# frozen_string_literal: true

require_relative "test_helper"

# Bad arguments are refused before any request, naming the argument: a Ruby TypeError or
# ArgumentError for what cannot become the call's JSON, else the core's ValidationError (or
# ConfigError for client options), the same in every language.
class ArgumentsTest < Minitest::Test
  def client
    @client ||= client_for(server)
  end

  def assert_refused(klass, pattern, &block)
    error = assert_raises(klass, &block)
    assert_match pattern, error.message
    assert_equal :invalid_input, error.kind if klass == Renderiq::ValidationError
    error
  end

  def test_client_options
    base = { base_url: server.url, plugin_name: "t", plugin_version: "1", token_store: :memory }
    assert_refused(ArgumentError, /missing keyword.*plugin_name/) { Renderiq::Client.new(base_url: server.url, plugin_version: "1") }
    assert_refused(TypeError, /base_url must be a String/) { Renderiq::Client.new(**base, base_url: 42) }
    assert_match(/disk/, assert_raises(Renderiq::ConfigError) { Renderiq::Client.new(**base, token_store: :disk) }.message)
    assert_raises(Renderiq::ConfigError) { Renderiq::Client.new(**base, max_retries: -1) }
    assert_refused(TypeError, /token_store must be/) { Renderiq::Client.new(**base, token_store: 3) }
    assert_refused(Renderiq::ConfigError, /expected u64/) { Renderiq::Client.new(**base, timeout: "60") }
    assert_refused(Renderiq::ConfigError, /expected u32/) { Renderiq::Client.new(**base, max_retries: "2") }
    assert_refused(Renderiq::ConfigError, /passphrase/) do
      Renderiq::Client.new(**base, token_store: Renderiq::EncryptedFileStore.new("/tmp/x", passphrase: ""))
    end
    refute_match(/token|secret/i, client.inspect)
  end

  def test_sign_in_and_strings
    assert_refused(Renderiq::ValidationError, /missing field `email`/) { client.sign_in(nil, "pw") }
    assert_refused(Renderiq::ValidationError, /password must not be empty/) { client.sign_in("a@b.c", "") }
    assert_refused(ArgumentError, /UTF-8/) { client.sign_in("a@b.c", "\xFF\xFE".b) }
    assert_refused(Renderiq::ValidationError, /expected a string/) { client.api_key = 5 }
  end

  def test_create_render_arguments
    assert_refused(ArgumentError, /missing keyword: :image/) { client.create_render(prompt: "x") }
    assert_refused(TypeError, /image: must be a file path .* got Integer/) { client.create_render(image: 42) }
    assert_refused(ArgumentError, /looks like image data.*Image\.encoded/) { client.create_render(image: png) }
    assert_refused(Renderiq::ValidationError, /unknown variant `best`/) { client.create_render(image: png_file, quality: :best) }
    assert_refused(Renderiq::ValidationError, /expected a string/) { client.create_render(image: png_file, prompt: 3) }
    assert_refused(Renderiq::ValidationError, /unknown field `colour`/) { client.create_render(image: png_file, colour: "red") }
    assert_refused(Renderiq::ValidationError, /-1/) { client.render_async(image: png_file, timeout: -1) }
  end

  def test_image_constructors
    assert_refused(TypeError, /image path must be a String or Pathname/) { Renderiq::Image.file(3) }
    assert_refused(ArgumentError, /image path must be valid UTF-8/) { Renderiq::Image.file("\xFF.png".b) }
    assert_refused(TypeError, /encoded image must be a String/) { Renderiq::Image.encoded([1, 2]) }
    assert_refused(TypeError, /raw pixels must be a String/) { Renderiq::Image.raw(nil, width: 10, height: 10) }
    pixels = "\0".b * (10 * 4 * 10)
    render = ->(image) { client.create_render(image: image) }
    assert_refused(Renderiq::ValidationError, /image path is empty/) { render.call(Renderiq::Image.file("")) }
    assert_refused(Renderiq::ValidationError, /expected u32/) { render.call(Renderiq::Image.raw(pixels, width: 10.5, height: 10)) }
    assert_refused(Renderiq::ValidationError, /at least 1/) { render.call(Renderiq::Image.raw(pixels, width: 10, height: 0)) }
    assert_refused(Renderiq::ValidationError, /stride is 39 bytes .* at least 40/) do
      render.call(Renderiq::Image.raw(pixels, width: 10, height: 10, stride: 39))
    end
    assert_refused(Renderiq::ValidationError, /400 bytes but a 10x10 image with a stride of 48 bytes needs at least 472/) do
      render.call(Renderiq::Image.raw(pixels, width: 10, height: 10, stride: 48))
    end
    assert_refused(Renderiq::ValidationError, /argb/) { render.call(Renderiq::Image.raw(pixels, width: 10, height: 10, format: :argb)) }
    assert_refused(Renderiq::ValidationError, /expected a boolean/) do
      render.call(Renderiq::Image.raw(pixels, width: 10, height: 10, bottom_up: 1))
    end
    image = Renderiq::Image.raw(pixels, width: 10, height: 10, format: "rgba", bottom_up: true)
    assert_equal [{ kind: :raw, width: 10, height: 10, pixelFormat: "rgba8", bottomUp: true }, pixels], image.to_call
    assert_match(/raw .*pixelFormat=rgba8 bottomUp=true 400 bytes/, image.inspect)
  end

  def test_other_calls
    assert_refused(Renderiq::ValidationError, /unknown variant `done`/) { client.renders(status: :done).first }
    assert_refused(Renderiq::ValidationError, /expected u32/) { client.list_renders(page: "1") }
    assert_refused(Renderiq::ValidationError, /limit is 500: use 1 to 100/) { client.list_renders(limit: 500) }
    assert_refused(Renderiq::ValidationError, /missing field `id`/) { client.retrieve_render(nil) }
    assert_refused(Renderiq::ValidationError, /not a valid id/) { client.wait_for_render("") }
    assert_refused(Renderiq::ValidationError, /expected u64/) { client.wait_for_render("rnd_1", timeout: "x") }
    assert_refused(Renderiq::ValidationError, /unknown variant `max`/) { client.update_settings(default_quality: :max) }
    assert_refused(Renderiq::ValidationError, /expected a boolean/) { client.update_settings(notify_on_complete: "yes") }
    assert_refused(ArgumentError, /unknown keyword: :theme/) { client.update_settings(theme: "dark") }
    assert_refused(Renderiq::ValidationError, /expected a sequence/) { client.create_api_key("k", scopes: 5) }
    assert_refused(Renderiq::ValidationError, /not valid/) { client.create_api_key("k", scopes: [], expires_at: "tomorrow") }
    assert_refused(Renderiq::ValidationError, /expected a string/) { client.register_webhook("http://x", events: ["render.completed", 1]) }
    assert_refused(Renderiq::ValidationError, /missing field `name`/) { client.create_project(nil) }
  end

  def test_webhook_arguments
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert_refused(TypeError, /body must be the raw request body String/) { Renderiq::Webhook.verify(secret: secret, body: { a: 1 }, headers: {}) }
    assert_refused(TypeError, /headers must be a Hash/) { Renderiq::Webhook.verify(secret: secret, body: "{}", headers: "x") }
    assert_refused(TypeError, /time must be an Integer/) { Renderiq::Webhook.verify(secret: secret, body: "{}", headers: {}, now: "now") }
    assert_refused(ArgumentError, /missing keyword: :secret/) { Renderiq::Webhook.verify(body: "{}", headers: {}) }
  end
end
