# frozen_string_literal: true

# Renderiq for SketchUp: menu, toolbar, dialog. Loaded by ../renderiq_sketchup.rb when the
# extension is enabled; runs only inside SketchUp.
require "sketchup.rb"
require "tmpdir"

# The renderiq gem ships inside the extension (vendor/renderiq, packed by tools/pack_rbz.rb) with
# its native extension and librenderiq; both are loaded by absolute path from this folder, so
# another extension's copy of the gem cannot get in the way.
module Renderiq
  module SketchUpPlugin
    # Why the binding could not be loaded (shown when the toolbar button is clicked), or nil.
    LOAD_ERROR = begin
      vendored = File.join(__dir__, "vendor", "renderiq", "lib", "renderiq.rb")
      File.exist?(vendored) ? require(vendored) : require("renderiq") # "renderiq": a development checkout
      nil
    rescue LoadError => e
      e
    end
  end
end
require_relative "render_controller"
require_relative "dialog_bridge"

module Renderiq
  module SketchUpPlugin
    PLUGIN_VERSION = "1.0.0" unless const_defined?(:PLUGIN_VERSION)
    # Sketchup.write_default("Renderiq", "base_url", "http://127.0.0.1:8787") points the
    # extension at a local reference server.
    DEFAULT_BASE_URL = "https://renderiq.io"

    class << self
      # One client for the whole SketchUp session; its session is kept in the OS keychain.
      def client
        @client ||= Renderiq::Client.new(
          base_url: Sketchup.read_default("Renderiq", "base_url", DEFAULT_BASE_URL),
          platform: :sketchup, plugin_name: "renderiq-sketchup", plugin_version: PLUGIN_VERSION,
          token_store: :keychain
        )
      end

      def controller
        @controller ||= RenderController.new(client: client, work_dir: File.join(Dir.tmpdir, "renderiq-sketchup"))
      end

      # Shows the dialog (or brings it to the front).
      def show_dialog
        if LOAD_ERROR
          UI.messagebox("Renderiq could not load its library:\n#{LOAD_ERROR.message}\n\n" \
                        "Reinstall the extension; see its README, section Troubleshooting.")
          return
        end
        if @dialog&.visible?
          @dialog.bring_to_front
          return
        end
        @dialog = UI::HtmlDialog.new(dialog_title: "Renderiq", preferences_key: "com.renderiq.sketchup",
                                     width: 420, height: 640, resizable: true, style: UI::HtmlDialog::STYLE_DIALOG)
        @dialog.set_file(File.join(__dir__, "dialog.html"))
        DialogBridge.new(dialog: @dialog, client: client, controller: controller).attach
        @dialog.show
      rescue Renderiq::Error => e
        UI.messagebox("Renderiq could not start: #{e.message}")
      end
    end

    unless file_loaded?(__FILE__)
      command = UI::Command.new("Renderiq") { show_dialog }
      icon = File.join(__dir__, "icons", "renderiq.svg")
      command.small_icon = icon
      command.large_icon = icon
      command.tooltip = "Render this view with Renderiq"
      command.status_bar_text = "Send the current view to Renderiq and get an AI render back."

      UI.menu("Extensions").add_item(command)
      toolbar = UI::Toolbar.new("Renderiq")
      toolbar.add_item(command)
      toolbar.restore
      file_loaded(__FILE__)
    end
  end
end
