# frozen_string_literal: true

require_relative "test_helper"

# Bad arguments raise ArgumentError or TypeError naming the argument, before any request.
class ArgumentsTest < Minitest::Test
  def client
    @client ||= client_for(server)
  end

  def assert_bad(klass, pattern, &block)
    error = assert_raises(klass, &block)
    assert_match pattern, error.message
    refute_kind_of Renderiq::Error, error
  end

  def test_client_options
    base = { base_url: server.url, plugin_name: "t", plugin_version: "1", token_store: :memory }
    assert_bad(ArgumentError, /missing keyword.*plugin_name/) { Renderiq::Client.new(base_url: server.url, plugin_version: "1") }
    assert_bad(TypeError, /base_url must be a String/) { Renderiq::Client.new(**base, base_url: 42) }
    # Values are the SDK's to check, the same in every language.
    assert_match(/disk/, assert_raises(Renderiq::ConfigError) { Renderiq::Client.new(**base, token_store: :disk) }.message)
    assert_raises(Renderiq::ConfigError) { Renderiq::Client.new(**base, max_retries: -1) }
    assert_bad(TypeError, /token_store must be/) { Renderiq::Client.new(**base, token_store: 3) }
    assert_bad(ArgumentError, /timeout must be a positive/) { Renderiq::Client.new(**base, timeout: 0) }
    assert_bad(TypeError, /timeout must be a number/) { Renderiq::Client.new(**base, timeout: "60") }
    assert_bad(TypeError, /max_retries must be an Integer/) { Renderiq::Client.new(**base, max_retries: "2") }
    assert_bad(ArgumentError, /plugin_name must not be empty/) { Renderiq::Client.new(**base, plugin_name: " ") }
    assert_bad(ArgumentError, /passphrase must not be empty/) { Renderiq::EncryptedFileStore.new("/tmp/x", passphrase: "") }
    refute_match(/token|secret/i, client.inspect)
  end

  def test_sign_in_and_strings
    assert_bad(TypeError, /email must be a String/) { client.sign_in(nil, "pw") }
    assert_bad(ArgumentError, /password must not be empty/) { client.sign_in("a@b.c", "") }
    assert_bad(ArgumentError, /valid UTF-8/) { client.sign_in("a@b.c", "\xFF\xFE".b) }
    assert_bad(ArgumentError, /NUL/) { client.sign_in("a\0@b.c", "pw") }
    assert_bad(TypeError, /api_key must be a String/) { client.api_key = 5 }
  end

  def test_create_render_arguments
    assert_bad(ArgumentError, /missing keyword: :image/) { client.create_render(prompt: "x") }
    assert_bad(TypeError, /image: must be a file path .* got Integer/) { client.create_render(image: 42) }
    assert_bad(ArgumentError, /looks like image data.*Image\.encoded/) { client.create_render(image: png) }
    assert_bad(ArgumentError, /unknown quality :best/) { client.create_render(image: png_file, quality: :best) }
    assert_bad(TypeError, /prompt must be a String/) { client.create_render(image: png_file, prompt: 3) }
    assert_bad(ArgumentError, /unknown keyword: :colour/) { client.create_render(image: png_file, colour: "red") }
    assert_bad(ArgumentError, /timeout must be a positive/) { client.create_and_wait_async(image: png_file, timeout: -1) }
  end

  def test_image_constructors
    assert_bad(TypeError, /image path must be a String or Pathname/) { Renderiq::Image.file(3) }
    assert_bad(ArgumentError, /image path must not be empty/) { Renderiq::Image.file("") }
    assert_bad(ArgumentError, /image path must be valid UTF-8/) { Renderiq::Image.file("\xFF.png".b) }
    assert_bad(TypeError, /encoded image must be a String/) { Renderiq::Image.encoded([1, 2]) }
    assert_bad(ArgumentError, /encoded image is empty/) { Renderiq::Image.encoded("") }
    pixels = "\0".b * (10 * 4 * 10)
    assert_bad(TypeError, /raw pixels must be a String/) { Renderiq::Image.raw(nil, width: 10, height: 10) }
    assert_bad(TypeError, /width must be an Integer/) { Renderiq::Image.raw(pixels, width: 10.5, height: 10) }
    assert_bad(ArgumentError, /height must be positive/) { Renderiq::Image.raw(pixels, width: 10, height: 0) }
    assert_bad(ArgumentError, /stride 39 is less than width \* 4 = 40/) do
      Renderiq::Image.raw(pixels, width: 10, height: 10, stride: 39)
    end
    assert_bad(ArgumentError, /have 400 bytes; a 10x10 image with stride 48 needs at least 472/) do
      Renderiq::Image.raw(pixels, width: 10, height: 10, stride: 48)
    end
    assert_bad(ArgumentError, /unknown pixel format :argb/) { Renderiq::Image.raw(pixels, width: 10, height: 10, format: :argb) }
    assert_bad(TypeError, /bottom_up must be true or false/) { Renderiq::Image.raw(pixels, width: 10, height: 10, bottom_up: 1) }
    image = Renderiq::Image.raw(pixels, width: 10, height: 10, format: "rgba", bottom_up: true)
    assert_equal 40, image.stride
    assert_equal :rgba, image.format
    assert_match(/raw 10x10 rgba stride=40 bottom-up/, image.inspect)
  end

  def test_other_calls
    assert_bad(ArgumentError, /unknown status :done/) { client.renders(status: :done).first }
    assert_bad(TypeError, /page must be an Integer/) { client.list_renders(page: "1") }
    assert_bad(ArgumentError, /limit must be between 1 and 100/) { client.list_renders(limit: 500) }
    assert_bad(TypeError, /id must be a String/) { client.render(nil) }
    assert_bad(ArgumentError, /id must not be empty/) { client.wait_for_render("") }
    assert_bad(TypeError, /timeout must be a number/) { client.wait_for_render("rnd_1", timeout: nil) }
    assert_bad(ArgumentError, /unknown default_quality :max/) { client.update_settings(default_quality: :max) }
    assert_bad(TypeError, /notify_on_complete must be true or false/) { client.update_settings(notify_on_complete: "yes") }
    assert_bad(ArgumentError, /unknown keyword: :theme/) { client.update_settings(theme: "dark") }
    assert_bad(TypeError, /scopes must be an Array/) { client.create_api_key("k", scopes: "renders:read") }
    assert_bad(TypeError, /expires_at must be a Time/) { client.create_api_key("k", scopes: [], expires_at: "tomorrow") }
    assert_bad(TypeError, /events\[1\] must be a String/) { client.register_webhook("http://x", events: ["render.completed", 1]) }
    assert_bad(TypeError, /name must be a String/) { client.create_project(nil) }
  end

  def test_webhook_arguments
    assert_bad(TypeError, /body must be the raw request body String/) do
      Renderiq::Webhook.verify(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body: { a: 1 }, headers: {})
    end
    assert_bad(TypeError, /headers must be a Hash/) do
      Renderiq::Webhook.verify(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body: "{}", headers: "x")
    end
    assert_bad(TypeError, /time must be an Integer/) do
      Renderiq::Webhook.verify(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body: "{}", headers: {}, now: "now")
    end
    assert_bad(ArgumentError, /missing keyword: :secret/) { Renderiq::Webhook.verify(body: "{}", headers: {}) }
  end
end
