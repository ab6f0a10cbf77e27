# frozen_string_literal: true

require "json"

module Renderiq
  module SketchUpPlugin
    # Connects the +UI::HtmlDialog+ (dialog.html) with the client and the render controller:
    # the page calls +sketchup.sign_in(email, password)+, +sketchup.render(prompt, style,
    # quality)+, +sketchup.cancel()+, +sketchup.sign_out()+ and +sketchup.ready()+; Ruby answers
    # by calling +renderiq.update(state)+ in the page with the whole state as JSON.
    class DialogBridge
      CALLBACKS = %w[ready sign_in sign_out render cancel].freeze

      # @param dialog [UI::HtmlDialog] anything with +add_action_callback+ and +execute_script+
      # @param client [Renderiq::Client]
      # @param controller [RenderController]
      def initialize(dialog:, client:, controller:)
        @dialog = dialog
        @client = client
        @controller = controller
        @message = nil
        @email = nil
        @controller.listener = ->(_c) { push }
      end

      # Registers the page's callbacks.
      # @return [self]
      def attach
        @dialog.add_action_callback("ready") { |_ctx| handle { refresh_session } }
        @dialog.add_action_callback("sign_in") { |_ctx, email, password| handle { sign_in(email, password) } }
        @dialog.add_action_callback("sign_out") { |_ctx| handle { sign_out } }
        @dialog.add_action_callback("render") { |_ctx, prompt, style, quality| handle { render(prompt, style, quality) } }
        @dialog.add_action_callback("cancel") { |_ctx| handle { @controller.cancel } }
        self
      end

      # The state the page shows.
      def state
        @controller.to_h.merge("signedIn" => @signed_in ? true : false, "email" => @email, "message" => @message,
                               "outputUrl" => output_url)
      end

      # Sends the state to the page.
      def push
        @dialog.execute_script("window.renderiq && renderiq.update(#{JSON.generate(state)})")
      end

      private

      # Runs one message; errors become a message in the page, never an exception in SketchUp.
      def handle
        @message = nil
        yield
      rescue Renderiq::AuthError => e
        @signed_in = false
        @message = "Sign-in failed: #{e.message}"
      rescue Renderiq::Error, ArgumentError, TypeError => e
        @message = e.message
      ensure
        push
      end

      def refresh_session
        @signed_in = @client.signed_in?
        @email = @signed_in ? @client.me.email : nil
      end

      def sign_in(email, password)
        if email.to_s.strip.empty? || password.to_s.empty?
          @message = "Enter your email and password."
          return
        end
        @email = @client.sign_in(email.to_s.strip, password.to_s).email
        @signed_in = true
      end

      def sign_out
        @controller.cancel
        @client.sign_out
        @signed_in = false
        @email = nil
      end

      def render(prompt, style, quality)
        unless @signed_in
          @message = "Sign in first."
          return
        end
        @message = "A render is already running." unless @controller.start(prompt: prompt, style: blank(style),
                                                                            quality: blank(quality))
      end

      def blank(value)
        value.nil? || value.to_s.empty? ? nil : value
      end

      def output_url
        path = @controller.output_path
        path && "file:///#{File.expand_path(path).sub(%r{\A/}, '')}"
      end
    end
  end
end
