# frozen_string_literal: true

require_relative "test_helper"
require "open3"
require "rbconfig"

# Backend selection and the load errors users see.
class BackendTest < Minitest::Test
  # A child Ruby loads the same renderiq as this process: the checkout's lib/, or the installed gem.
  def run_ruby(env, code)
    load_path = INSTALLED_GEM ? [] : ["-I", CHECKOUT_LIB]
    Open3.capture2e(env, RbConfig.ruby, *load_path, "-e", code)
  end

  def test_the_active_backend_is_reported
    assert_includes %i[native fiddle], Renderiq.backend
    expected = ENV.fetch("RENDERIQ_RUBY_BACKEND", "")
    assert_equal expected.to_sym, Renderiq.backend unless expected.empty? || expected == "auto"
    assert_match(/\A\d+\.\d+\.\d+/, Renderiq.sdk_version)
  end

  def test_a_missing_library_is_a_load_error_naming_the_path
    out, status = run_ruby({ "RENDERIQ_RUBY_BACKEND" => "fiddle", "RENDERIQ_LIBRARY_PATH" => "/nowhere/librenderiq.so" },
                           'begin; require "renderiq"; rescue LoadError => e; puts e.message; exit 3; end')
    assert_equal 3, status.exitstatus, out
    assert_includes out, "/nowhere/librenderiq.so"
    assert_includes out, "RENDERIQ_LIBRARY_PATH"
  end

  def test_a_file_that_is_no_library_is_a_load_error
    out, status = run_ruby({ "RENDERIQ_RUBY_BACKEND" => "fiddle", "RENDERIQ_LIBRARY_PATH" => __FILE__ },
                           'begin; require "renderiq"; rescue LoadError => e; puts e.message; exit 3; end')
    assert_equal 3, status.exitstatus, out
    assert_includes out, "could not be loaded"
  end

  def test_an_unknown_backend_name_is_rejected
    out, status = run_ruby({ "RENDERIQ_RUBY_BACKEND" => "java" },
                           'begin; require "renderiq"; rescue ArgumentError => e; puts e.message; exit 3; end')
    assert_equal 3, status.exitstatus, out
    assert_includes out, 'use "native", "fiddle" or "auto"'
  end

  def test_the_fiddle_backend_is_used_when_the_native_extension_cannot_load
    # The library RENDERIQ_LIBRARY_PATH names, else the one shipped next to the gem's files (a
    # platform gem), found by the loader itself (the variable stays unset).
    lib = ENV.fetch("RENDERIQ_LIBRARY_PATH", "")
    if lib.empty?
      require "renderiq/backend/fiddle"
      skip "RENDERIQ_LIBRARY_PATH is not set and no librenderiq ships with the gem" unless
        Renderiq::Backend::Fiddle.library_candidates.any? { |c| File.file?(c) }
      lib = nil
    end
    code = <<~RUBY
      require "renderiq/backend/native"
      module Renderiq; module Backend; class Native; def self.load; raise LoadError, "no extension here"; end; end; end; end
      require "renderiq"
      puts Renderiq.backend
      puts Renderiq::Backend.native_load_error.message
    RUBY
    out, status = run_ruby({ "RENDERIQ_RUBY_BACKEND" => "auto", "RENDERIQ_LIBRARY_PATH" => lib }, code)
    assert status.success?, out
    assert_equal ["fiddle", "no extension here"], out.lines.map(&:strip)
  end
end
