# frozen_string_literal: true

# Builds the native extension (renderiq/renderiq_native) with Cargo for `gem install` and
# `rake compile`. The crate is bindings/ruby/Cargo.toml, two levels up.
require "mkmf"
require "rb_sys/mkmf"

create_rust_makefile("renderiq/renderiq_native") do |r|
  r.ext_dir = "../.."
  r.profile = ENV.fetch("RB_SYS_CARGO_PROFILE", :release).to_sym
end
