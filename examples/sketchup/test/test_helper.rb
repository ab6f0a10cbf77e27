# frozen_string_literal: true

# Tests of the SketchUp extension's logic with the real binding against the reference server
# and a tiny fake of the SketchUp API. Run with the binding's suite (scripts/test-ruby.sh), once
# per backend.
$LOAD_PATH.unshift(File.expand_path("../../../bindings/ruby/lib", __dir__))
require "minitest/autorun"
require "json"
require "fileutils"
require "tmpdir"
require "renderiq"
require_relative "support/sketchup_fake"
require_relative "../../../bindings/ruby/test/support/server"
require_relative "../renderiq_sketchup/render_controller"
require_relative "../renderiq_sketchup/dialog_bridge"

# Helpers for the extension's tests.
module SketchUpTest
  def setup
    UI.reset!
    Sketchup.reset!
  end

  def teardown
    FileUtils.rm_rf(@work_dir) if @work_dir
  end

  def render_server(**options)
    TestServer.get(**options)
  end

  def new_client(server, **options)
    Renderiq::Client.new(base_url: server.url, plugin_name: "renderiq-sketchup-tests", plugin_version: "1.0.0",
                         token_store: :memory, **options)
  end

  def signed_in(server, credits: 200)
    client = new_client(server)
    client.sign_in(*server.add_user(credits: credits))
    client
  end

  def work_dir
    @work_dir ||= Dir.mktmpdir("renderiq-sketchup-test-")
  end

  # Fires the timers as SketchUp would until +done+ holds (or fails after +seconds+).
  def run_timers_until(seconds: 30)
    deadline = Time.now + seconds
    until yield
      flunk "timed out waiting (timers: #{UI.timers.size})" if Time.now > deadline
      UI.fire_timers
      sleep 0.02
    end
  end
end

Minitest::Test.include(SketchUpTest)
