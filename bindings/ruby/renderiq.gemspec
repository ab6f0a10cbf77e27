# frozen_string_literal: true

# The pure-Ruby gem, renderiq-<version>.gem: the Ruby files only, running the Rust SDK through the
# Fiddle backend over a librenderiq the user points to (RENDERIQ_LIBRARY_PATH) or puts next to
# lib/renderiq/. No native code and nothing compiled at install time:
#
#   gem build renderiq.gemspec && gem install --local renderiq-*.gem
#
# The platform gem (renderiq-<version>-x86_64-linux.gem: the same files plus the native extension
# and librenderiq) is built from this spec by `rake native_gem` (see the Rakefile).
require_relative "lib/renderiq/version"

Gem::Specification.new do |spec|
  spec.name = "renderiq"
  spec.version = Renderiq::VERSION
  spec.authors = ["Renderiq"]
  spec.summary = "Renderiq SDK for Ruby: AI renders of design-tool viewports (SketchUp and more)"
  spec.description = <<~TEXT
    Sign in, upload a viewport capture, follow the AI render to completion and download it; verify
    Renderiq webhooks. Runs the Rust Renderiq SDK through a native extension (platform gems), or
    through the C library librenderiq with Fiddle where no extension fits (SketchUp for Windows).
  TEXT
  spec.license = "Apache-2.0"
  spec.homepage = "https://github.com/renderiq/renderiq-sdk"
  spec.metadata = {
    "source_code_uri" => "https://github.com/renderiq/renderiq-sdk/tree/main/bindings/ruby",
    "rubygems_mfa_required" => "true"
  }
  spec.required_ruby_version = ">= 2.7"

  spec.files = Dir["lib/**/*.rb", "sig/**/*.rbs", "README.md"].sort
  spec.require_paths = ["lib"]
  spec.requirements = ["librenderiq of the same SDK release (renderiq.dll, librenderiq.dylib, librenderiq.so): " \
                       "set RENDERIQ_LIBRARY_PATH to its absolute path, or use a platform gem that ships it"]
end
