# frozen_string_literal: true

require "fileutils"

module Renderiq
  module SketchUpPlugin
    # The "Render" button's state machine, driven by a repeating UI timer so that SketchUp's UI
    # thread never blocks:
    #
    #   idle -> capturing -> uploading -> processing -> done
    #                \___________\____________\______-> failed
    #   (cancel from any busy state goes back to idle)
    #
    # Each timer tick does one short step: capture the view (write_image), start the background
    # render operation, or poll it (done? / progress) and, once done, download the result.
    #
    # Since SketchUp 2024 a repeating timer can fire again while the previous tick has not
    # returned (a tick that shows a message box or writes a large image), so {#tick} is guarded
    # against re-entry.
    #
    # The SketchUp API is used through +ui+ (+UI.start_timer+ / +UI.stop_timer+) and +view+
    # (+Sketchup::View#write_image+, +#vpwidth+, +#vpheight+), so the logic runs and is tested
    # without SketchUp.
    class RenderController
      # Seconds between two ticks.
      TICK = 0.25
      # Longest edge of the captured image in pixels (the SDK down-scales further if needed).
      CAPTURE_MAX_EDGE = 2048
      # Qualities and styles offered in the dialog.
      QUALITIES = %w[standard high ultra].freeze
      STYLES = %w[photorealistic sketch watercolor clay night blueprint].freeze
      # Every state.
      STATES = %i[idle capturing uploading processing done failed].freeze

      attr_reader :state, :percent, :render, :error_message, :output_path

      # @param client [Renderiq::Client]
      # @param work_dir [String] where captures and results are written
      # @param ui [#start_timer, #stop_timer] SketchUp's +UI+ module
      # @param view [#call] returns the +Sketchup::View+ to capture
      # @param listener [#call, nil] called with the controller after every change
      def initialize(client:, work_dir:, ui: ::UI, view: -> { Sketchup.active_model.active_view }, listener: nil)
        @client = client
        @work_dir = work_dir
        @ui = ui
        @view = view
        @listener = listener
        @state = :idle
        @percent = 0
        @timer = nil
        @ticking = false
        @op = nil
      end

      # Sets the object told about every change (the dialog bridge).
      attr_writer :listener

      # @return [Boolean] a render is being captured, uploaded or processed
      def busy?
        %i[capturing uploading processing].include?(@state)
      end

      # Starts rendering the current view. The work happens in timer ticks.
      # @return [Boolean] false when a render is already running
      # @raise [ArgumentError] for an unknown style or quality
      def start(prompt:, style: nil, quality: nil)
        return false if busy?
        raise ArgumentError, "unknown style #{style.inspect}" unless style.nil? || STYLES.include?(style.to_s)
        raise ArgumentError, "unknown quality #{quality.inspect}" unless quality.nil? || QUALITIES.include?(quality.to_s)

        @request = { prompt: prompt.to_s.strip.empty? ? nil : prompt.to_s, style: style&.to_s,
                     quality: quality&.to_sym }
        @render = nil
        @output_path = nil
        @error_message = nil
        @percent = 0
        change(:capturing)
        @timer = @ui.start_timer(TICK, true) { tick }
        true
      end

      # One step of the state machine; called by the timer. Never raises (an exception escaping a
      # timer block would be reported by SketchUp on every further tick).
      def tick
        return if @ticking

        @ticking = true
        begin
          step
        rescue Renderiq::Error => e
          failed(e.message)
        rescue StandardError => e
          failed("#{e.class}: #{e.message}")
        ensure
          @ticking = false
        end
      end

      # Stops the running render: the SDK stops waiting, and a render the server has not started
      # yet is cancelled there too (its credits are refunded).
      # @return [Boolean] false when nothing was running
      def cancel
        return false unless busy?

        @op&.cancel
        render = @render
        stop_timer
        @op = nil
        if render && !render.finished?
          begin
            @client.cancel_render(render)
          rescue Renderiq::Error
            nil # already processing or finished: nothing to refund
          end
        end
        change(:idle)
        true
      end

      # The state as a Hash for the dialog.
      def to_h
        { "state" => @state.to_s, "percent" => @percent, "renderId" => @render&.id,
          "outputPath" => @output_path, "error" => @error_message }
      end

      private

      def step
        case @state
        when :capturing then capture_and_start
        when :uploading, :processing then poll
        else stop_timer
        end
      end

      def capture_and_start
        path = capture
        @op = @client.render_async(image: path, prompt: @request[:prompt], style: @request[:style],
                                  quality: @request[:quality], timeout: 600)
        change(:uploading)
      end

      def capture
        view = @view.call
        width, height = capture_size(view.vpwidth, view.vpheight)
        FileUtils.mkdir_p(@work_dir)
        path = File.join(@work_dir, "renderiq-capture-#{Time.now.strftime('%Y%m%d-%H%M%S')}-#{rand(1 << 16)}.png")
        ok = view.write_image(filename: path, width: width, height: height, antialias: true, transparent: false)
        raise Renderiq::ImageError.new("SketchUp could not capture the view", kind: :image) unless ok && File.exist?(path)

        path
      end

      def capture_size(width, height)
        scale = [CAPTURE_MAX_EDGE.to_f / [width, height].max, 1.0].min
        [(width * scale).round, (height * scale).round]
      end

      def poll
        if @op.done?
          @render = @op.value # raises the render's Renderiq::Error
          @op = nil
          @output_path = File.join(@work_dir, "renderiq-#{@render.id}#{File.extname(@render.output_url.to_s)}")
          # A short blocking download of the finished image (see README: the C ABI has no
          # background download yet).
          @client.download_render(@render, @output_path)
          stop_timer
          @percent = 100
          change(:done)
        else
          progress = @op.progress
          @render = progress.render if progress.render
          uploading = progress.stage.nil? || %i[preparing uploading].include?(progress.stage)
          next_state = uploading ? :uploading : :processing
          percent = uploading ? progress.percent / 2 : 50 + (progress.percent / 2)
          return if next_state == @state && percent == @percent

          @percent = percent
          change(next_state)
        end
      end

      def failed(message)
        @op&.cancel
        @op = nil
        stop_timer
        @error_message = message
        change(:failed)
      end

      def stop_timer
        @ui.stop_timer(@timer) if @timer
        @timer = nil
      end

      def change(state)
        @state = state
        @listener&.call(self)
      end
    end
  end
end
