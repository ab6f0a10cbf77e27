# frozen_string_literal: true

require "json"
require "tmpdir"

module Renderiq
  # A client of the Renderiq API: sign in, create renders from viewport captures, follow them to
  # completion, download the result. Thread-safe; create one per plugin and share it.
  #
  #   client = Renderiq::Client.new(base_url: "https://renderiq.io", plugin_name: "my-plugin",
  #                                 plugin_version: "1.0.0")
  #   client.sign_in("ada@example.com", "correct horse") unless client.signed_in?
  #   render = client.render(image: "/tmp/view.png", prompt: "dusk") { |p| puts "#{p.stage} #{p.percent}%" }
  #   client.download_render(render, "/tmp/render.jpg")
  #
  # Every method is one call of the core's call surface ({#call} / {#start}): the core checks the
  # values, applies the defaults, waits and reports progress, the same in every language.
  # Blocking methods wait with Ruby's GVL released and can be interrupted (+Thread#raise+,
  # +Timeout.timeout+, Ctrl-C), which cancels the call. On a UI thread use {#start} or the
  # +*_async+ methods, which return an {Operation} to poll from a timer.
  class Client
    # The simple calls (+sign_in+ … +list_renders+), generated from the call table every binding
    # shares: lib/renderiq/calls.rb.
    include Generated::Calls

    # @return [String]
    attr_reader :base_url

    # @param base_url [String] the server, e.g. +"http://127.0.0.1:8787"+
    # @param plugin_name [String] your plugin's name, sent with every request
    # @param plugin_version [String] your plugin's version
    # @param platform [Symbol, nil] the host application (+:sketchup+, …); default +:other+
    # @param token_store [Symbol, EncryptedFileStore] +:keychain+, +:memory+ or an {EncryptedFileStore}
    # @param api_key [String, nil] authenticate with an API key instead of signing in
    # @param timeout [Numeric, nil] seconds one request may take; default the core's (60)
    # @param connect_timeout [Numeric, nil] seconds connecting may take
    # @param max_retries [Integer, nil] retries of transient failures (0 to 10); default the core's
    # @param proxy [String, nil] send every request through this proxy (+"http://proxy:3128"+);
    #   default the +HTTPS_PROXY+ / +NO_PROXY+ environment, which +no_proxy: true+ ignores
    # @param root_certificate_pem [String, nil] an extra root certificate to trust (PEM text)
    # @raise [ConfigError] for a value the core refuses (a malformed URL, an unknown token store, …)
    def initialize(base_url:, plugin_name:, plugin_version:, platform: nil, token_store: :keychain, api_key: nil,
                   timeout: nil, connect_timeout: nil, max_retries: nil, proxy: nil, no_proxy: nil,
                   root_certificate_pem: nil)
      @base_url = Check.string!("base_url", base_url)
      @backend = Backend.current
      store = token_store.is_a?(EncryptedFileStore) ? token_store.to_config : Check.string!("token_store", token_store)
      config = { "baseUrl" => @base_url, "pluginName" => Check.string!("plugin_name", plugin_name),
                 "pluginVersion" => Check.string!("plugin_version", plugin_version), "sdkLanguage" => "ruby",
                 "sdkLanguageVersion" => "#{RUBY_VERSION} #{RUBY_PLATFORM} #{@backend.name}",
                 "timeoutMs" => Check.millis(timeout), "tokenStore" => store, "platform" => platform,
                 "apiKey" => api_key, "maxRetries" => max_retries, "connectTimeoutMs" => Check.millis(connect_timeout),
                 "proxy" => proxy, "noProxy" => no_proxy, "rootCertificatePem" => root_certificate_pem }.compact
      @c = @backend.client(config)
    end

    # Makes any call of the core, given as data, and returns its decoded JSON result (the API
    # object as a Hash with camelCase keys, nil for calls without one). The names, fields and
    # defaults are the core's +renderiq_sdk::call::Call+, the same in every language.
    #
    #   client.call(call: :sign_in, email: "ada@example.com", password: "correct horse")
    #   client.call({ call: :create_render, image: { kind: :bytes } }, File.binread("view.png"))
    #
    # @param call [Hash] +{call: name, field: value, …}+
    # @param data [String, nil] the bytes of a +bytes+ or +raw+ image, instead of base64 +data+
    # @raise [Renderiq::Error] the call's error; {ValidationError} for a call that is not valid
    def call(call, data = nil, &block)
      start(call, data).value(&block)
    end

    # {#call} in the background: an {Operation} to poll from a UI timer. Cancelling a call that
    # creates a render (+create_render+, +render+) withdraws it while pending (refunded).
    #
    #   op = client.start(call: :render, image: { kind: :file, path: "/tmp/view.png" })
    #
    # @return [Operation] whose {Operation#value} is the decoded result
    def start(call, data = nil)
      start_as(nil, call, data)
    end


    # Prepares the image and creates a render (status +:pending+); yields {Progress} while it
    # works. +image+ is a path (String, Pathname) or an {Image}; the settings (+prompt+,
    # +style+, +quality+, +aspect_ratio+, +project_id+, +callback_url+, +idempotency_key+)
    # default to the user's. @return [Render]
    def create_render(image:, **settings, &block)
      create_render_async(image: image, **settings).value(&block)
    end

    # {#create_render} in the background. @return [Operation] whose value is the new {Render}
    def create_render_async(image:, **settings)
      render_call(:create_render, image, settings)
    end

    # Creates a render and waits for it to end: the whole "Render" button of a plugin (the
    # +render+ call; cancelling its {Operation} withdraws the pending render). Yields
    # {Progress}: +:preparing+, +:uploading+, then the render's status. @return [Render]
    def render(image:, timeout: nil, **settings, &block)
      render_async(image: image, timeout: timeout, **settings).value(&block)
    end

    # {#render} in the background. @return [Operation] whose value is the ended {Render}
    def render_async(image:, timeout: nil, **settings)
      render_call(:render, image, settings, wait: { timeoutMs: Check.millis(timeout) }.compact)
    end

    # Every matching render, newest first, fetched page by page as the enumeration goes.
    # @return [Enumerator<Render>] without a block
    def renders(status: nil, project_id: nil, per_page: nil, &block)
      return enum_for(:renders, status: status, project_id: project_id, per_page: per_page) unless block

      (1..).each do |n|
        page = list_renders(page: n, limit: per_page, status: status, project_id: project_id)
        page.items.each(&block)
        return self unless page.has_more?
      end
    end

    # Waits until the render ends; yields {Progress} as it changes. @return [Render] completed
    # @raise [RenderFailedError, CancelledError, TimeoutError]
    def wait_for_render(id, timeout: nil, &block)
      wait_for_render_async(id, timeout: timeout).value(&block)
    end

    # {#wait_for_render} in the background. @return [Operation]
    def wait_for_render_async(id, timeout: nil)
      start_as(Render, call: :wait_for_render, id: id_of(id), wait: { timeoutMs: Check.millis(timeout) }.compact)
    end

    # Downloads a completed render's image: to +path+ (atomically; returns the byte count), or
    # as a binary String.
    def download_render(render, path = nil)
      return call(call: :download_render, id: id_of(render), path: File.path(path))["bytes"] if path

      Dir.mktmpdir("renderiq") do |dir|
        download_render(render, File.join(dir, "render"))
        File.binread(File.join(dir, "render"))
      end
    end

    alias api_key= use_api_key

    # No secrets.
    def inspect
      "#<Renderiq::Client #{@base_url} backend=#{@backend.name}>"
    end
    alias to_s inspect

    private

    # {#start}, the value read as +model+ (a generated model class) when given.
    def start_as(model, call, data = nil)
      raise TypeError, "call must be a Hash like {call: :credits}, got #{call.class}" unless call.is_a?(Hash)
      raise TypeError, "data must be a String of bytes or nil, got #{data.class}" unless data.nil? || data.is_a?(String)

      Operation.new(@c.start(Check.json(call), data), model)
    end


    def render_call(name, image, settings, **extra)
      image, data = Image.coerce(image).to_call
      start_as(Render, { call: name, image: image, settings: Check.camel(settings) }.merge(extra), data)
    end
  end
end
