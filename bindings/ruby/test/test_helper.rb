# frozen_string_literal: true

# Shared set-up of the Ruby binding's tests. The suite runs once per backend:
#   RENDERIQ_RUBY_BACKEND=native ruby -Ilib -Itest -e 'Dir["test/**/*_test.rb"].each { |f| require_relative f }'
#   RENDERIQ_RUBY_BACKEND=fiddle RENDERIQ_LIBRARY_PATH=…/librenderiq.so …
# (scripts/test-ruby.sh does both).
#
# With RENDERIQ_TEST_INSTALLED_GEM=1 the suite tests the renderiq gem installed in GEM_HOME
# instead of this checkout's lib/ (scripts/release/test-ruby.sh): lib/ is not put on the load path,
# and loading the checkout's files aborts the run.

CHECKOUT_LIB = File.expand_path("../lib", __dir__)
INSTALLED_GEM = ENV.fetch("RENDERIQ_TEST_INSTALLED_GEM", "") == "1"
if INSTALLED_GEM
  gem "renderiq"
else
  $LOAD_PATH.unshift(CHECKOUT_LIB)
end
require "minitest/autorun"
require "fileutils"
require "json"
require "pathname"
require "timeout"
require "renderiq"
require_relative "support/png"
require_relative "support/server"
require_relative "support/fake_peer"

expected = ENV.fetch("RENDERIQ_RUBY_BACKEND", "")
if !expected.empty? && expected != "auto" && Renderiq.backend.to_s != expected
  abort "asked for backend #{expected} but #{Renderiq.backend} is active"
end
puts "Renderiq Ruby tests: backend=#{Renderiq.backend} sdk=#{Renderiq.sdk_version} ruby=#{RUBY_VERSION}"
loaded_from = $LOADED_FEATURES.find { |f| f.end_with?("/renderiq.rb") }
backend_file = Renderiq::Backend.current.respond_to?(:path) ? Renderiq::Backend.current.path : $LOADED_FEATURES.grep(/renderiq_native/).first
puts "Renderiq loaded from #{loaded_from} (gem: #{Gem.loaded_specs['renderiq']&.full_name || 'none'}), backend library #{backend_file}"
if INSTALLED_GEM && $LOADED_FEATURES.any? { |f| f.start_with?("#{CHECKOUT_LIB}/") }
  abort "RENDERIQ_TEST_INSTALLED_GEM=1 but the checkout's #{CHECKOUT_LIB} was loaded"
end

# Helpers for the binding's tests.
module RenderiqTest
  VECTORS = File.expand_path("../../../tests/vectors/standard-webhooks.json", __dir__)

  def server(**options)
    TestServer.get(**options)
  end

  # One worker, renders take an hour; every request is logged. A render queued behind another
  # stays pending until it is cancelled: a wait on it can end only by cancellation, an
  # interruption or its timeout.
  def held_server
    server(render_delay_ms: 3_600_000, workers: 1, rust_log: "warn,tower_http=debug")
  end

  # A client of the held server and a render of it that stays pending.
  def pending_render
    client = signed_in_client(held_server)
    client.create_render(image: png_file, quality: :standard) # keeps the only worker busy
    render = client.create_render(image: png_file, quality: :standard)
    assert client.retrieve_render(render.id).pending?
    [client, render]
  end

  # What the held server logs when a wait's long-poll for +render_id+ reaches it (only a wait
  # long-polls): the proof that a wait is in progress.
  def long_poll_log(render_id)
    ["started processing request", "/renders/#{render_id}?", "wait="]
  end

  # Waits until the block returns true, failing with +message+ after +timeout+ seconds.
  def wait_until(message, timeout: 30)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    until yield
      flunk "#{message} (not within #{timeout} s)" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      sleep 0.01
    end
  end

  def client_for(server, **options)
    Renderiq::Client.new(base_url: server.url, plugin_name: "renderiq-ruby-tests", plugin_version: Renderiq::VERSION,
                         token_store: :memory, **options)
  end

  # A client signed in as a fresh user of +server+.
  def signed_in_client(server = self.server, credits: 200, **options)
    client = client_for(server, **options)
    client.sign_in(*server.add_user(credits: credits))
    client
  end

  def png(width = 320, height = 200)
    TestPNG.gradient(width, height)
  end

  # A PNG file, written once per process into a folder removed after the run.
  def png_file(width = 320, height = 200)
    path = File.join(RenderiqTest.tmp_dir, "view-#{width}x#{height}.png")
    File.binwrite(path, png(width, height)) unless File.exist?(path)
    path
  end

  def self.tmp_dir
    @tmp_dir ||= Dir.mktmpdir("renderiq-ruby-files-").tap do |dir|
      Minitest.after_run { FileUtils.rm_rf(dir) }
    end
  end

  # Asserts that the block raises +klass+ and returns the exception.
  def assert_renderiq_error(klass, kind, &block)
    error = assert_raises(klass, &block)
    assert_kind_of Renderiq::Error, error
    assert_equal kind, error.kind
    refute_empty error.message
    error
  end
end

Minitest::Test.include(RenderiqTest)
