# frozen_string_literal: true

# Stand-in for SketchUp's own sketchup.rb in tests: only what the extension uses.
require_relative "../sketchup_fake"
