# frozen_string_literal: true

module Renderiq
  # Version of the renderiq gem (the same as the Rust SDK it wraps).
  VERSION = "0.1.0"
end
