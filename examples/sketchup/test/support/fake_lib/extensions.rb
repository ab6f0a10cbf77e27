# frozen_string_literal: true

# Stand-in for SketchUp's extensions.rb in tests.
require_relative "../sketchup_fake"
