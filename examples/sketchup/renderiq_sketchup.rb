# frozen_string_literal: true

# Renderiq for SketchUp: the loader SketchUp reads from its Plugins folder. It only registers
# the extension; the code lives in renderiq_sketchup/ and is loaded when the extension is
# enabled (Extension Manager).
require "sketchup.rb"
require "extensions.rb"

module Renderiq
  module SketchUpPlugin
    PLUGIN_VERSION = "1.0.0"

    unless file_loaded?(__FILE__)
      extension = SketchupExtension.new("Renderiq AI Render", "renderiq_sketchup/main")
      extension.description = "Render the current view with AI: pick a style, describe the mood, get a " \
                              "photorealistic image back without leaving SketchUp."
      extension.version = PLUGIN_VERSION
      extension.creator = "Renderiq"
      extension.copyright = "Renderiq, Apache-2.0"
      Sketchup.register_extension(extension, true)
      file_loaded(__FILE__)
    end
  end
end
