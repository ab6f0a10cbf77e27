# frozen_string_literal: true

require_relative "lib/renderiq/version"

Gem::Specification.new do |spec|
  spec.name = "renderiq"
  spec.version = Renderiq::VERSION
  spec.authors = ["Renderiq"]
  spec.summary = "Renderiq SDK for Ruby: AI renders of design-tool viewports (SketchUp and more)"
  spec.description = <<~TEXT
    Sign in, upload a viewport capture, follow the AI render to completion and download it; verify
    Renderiq webhooks. Runs the Rust Renderiq SDK through a native extension, or through the C
    library with Fiddle where no extension fits (SketchUp for Windows).
  TEXT
  spec.license = "Apache-2.0"
  spec.homepage = "https://github.com/renderiq/renderiq-sdk"
  spec.metadata = {
    "source_code_uri" => "https://github.com/renderiq/renderiq-sdk/tree/main/bindings/ruby",
    "rubygems_mfa_required" => "true"
  }
  spec.required_ruby_version = ">= 2.7"

  spec.files = Dir["lib/**/*.rb", "sig/**/*.rbs", "ext/**/*.rb", "src/**/*.rs", "Cargo.toml", "README.md"]
  spec.require_paths = ["lib"]
  spec.extensions = ["ext/renderiq/extconf.rb"]
  spec.requirements = ["Rust >= 1.85 and libclang to build the native extension"]

  spec.add_dependency "rb_sys", "~> 0.9"
end
