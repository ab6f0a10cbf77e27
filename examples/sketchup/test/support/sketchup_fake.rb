# frozen_string_literal: true

# A tiny fake of the SketchUp Ruby API: only the methods the extension calls
# (UI.start_timer / UI.stop_timer, Sketchup::View#write_image and the registration calls), so the
# extension's logic runs outside SketchUp. Timers fire when a test calls UI.fire_timers, which
# can also be made re-entrant, as SketchUp 2024's repeating timers are.
require_relative "../../../../bindings/ruby/test/support/png"

$renderiq_loaded_files ||= []

def file_loaded?(file)
  $renderiq_loaded_files.include?(file)
end

def file_loaded(file)
  $renderiq_loaded_files << file
end

module UI
  Timer = Struct.new(:id, :interval, :repeat, :block)

  class << self
    def reset!
      @timers = {}
      @next_id = 0
      @menu_items = []
      @messages = []
    end

    def start_timer(seconds, repeat = false, &block)
      raise ArgumentError, "UI.start_timer needs a block" unless block

      @next_id += 1
      @timers[@next_id] = Timer.new(@next_id, seconds, repeat, block)
      @next_id
    end

    def stop_timer(id)
      @timers.delete(id)
      nil
    end

    # The timers still running.
    def timers
      @timers.values
    end

    # Fires every running timer once (a one-shot timer is removed first, as SketchUp does).
    def fire_timers
      @timers.values.each do |t|
        @timers.delete(t.id) unless t.repeat
        t.block.call
      end
    end

    def menu(_name = nil)
      Menu.new(@menu_items)
    end

    attr_reader :menu_items, :messages

    def messagebox(text)
      @messages << text
    end
  end
  reset!

  # UI.menu(...)
  class Menu
    def initialize(items)
      @items = items
    end

    def add_item(item, &block)
      @items << (block || item)
    end

    def add_submenu(_name)
      self
    end
  end

  # UI::Command
  class Command
    attr_accessor :small_icon, :large_icon, :tooltip, :status_bar_text

    def initialize(name, &block)
      @name = name
      @block = block
    end
  end

  # UI::Toolbar
  class Toolbar
    attr_reader :items

    def initialize(name)
      @name = name
      @items = []
    end

    def add_item(cmd)
      @items << cmd
    end

    def restore; end
  end

  # A UI::HtmlDialog stand-in: records callbacks and scripts; tests call #trigger as the page would.
  class HtmlDialog
    STYLE_DIALOG = :dialog
    attr_reader :scripts, :callbacks, :options

    def initialize(options = {})
      @options = options
      @callbacks = {}
      @scripts = []
    end

    def add_action_callback(name, &block)
      @callbacks[name] = block
    end

    def execute_script(js)
      @scripts << js
    end

    # What `sketchup.<name>(args...)` in the page does.
    def trigger(name, *args)
      @callbacks.fetch(name).call(:action_context, *args)
    end

    # The last state pushed with renderiq.update(...).
    def last_state
      json = @scripts.reverse_each.lazy.map { |s| s[/renderiq\.update\((.*)\)\z/m, 1] }.find(&:itself)
      json && JSON.parse(json)
    end

    def set_file(path)
      @file = path
    end

    def show; end

    def visible?
      false
    end
  end
end

# SketchupExtension
class SketchupExtension
  attr_accessor :description, :version, :creator, :copyright
  attr_reader :name, :path

  def initialize(name, path)
    @name = name
    @path = path
  end
end

module Sketchup
  # Sketchup::View: vpwidth/vpheight and write_image, which writes a real PNG.
  class FakeView
    attr_accessor :vpwidth, :vpheight, :on_write
    attr_reader :writes

    def initialize(width = 320, height = 180)
      @vpwidth = width
      @vpheight = height
      @writes = []
    end

    def write_image(options)
      @writes << options
      on_write&.call
      File.binwrite(options.fetch(:filename), TestPNG.gradient(options.fetch(:width), options.fetch(:height)))
      true
    end
  end

  # Sketchup::Model
  FakeModel = Struct.new(:active_view)

  class << self
    attr_reader :extensions

    def reset!
      @model = FakeModel.new(FakeView.new)
      @extensions = []
    end

    def active_model
      @model
    end

    def register_extension(extension, load)
      @extensions << [extension, load]
      true
    end

    def read_default(_section, _key, default = nil)
      default
    end
  end
  reset!
end
