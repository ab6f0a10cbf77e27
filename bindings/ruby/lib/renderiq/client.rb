# frozen_string_literal: true

module Renderiq
  # A client of the Renderiq API: sign in, create renders from viewport captures, follow them to
  # completion, download the result. Thread-safe; create one per plugin and share it.
  #
  #   client = Renderiq::Client.new(base_url: "https://renderiq.io", plugin_name: "my-sketchup-plugin",
  #                                 plugin_version: "1.0.0")
  #   client.sign_in("ada@example.com", "correct horse") unless client.signed_in?
  #   render = client.create_render(image: "/tmp/view.png", prompt: "dusk, warm light")
  #   render = client.wait_for_render(render) { |p| puts "#{p.stage} #{p.percent}%" }
  #   client.download_render(render, "/tmp/render.jpg")
  #
  # Every blocking call releases Ruby's GVL while it waits, so other Ruby threads keep running,
  # and can be interrupted (+Thread#raise+, +Timeout.timeout+, Ctrl-C), which cancels it. On a UI
  # thread use the +*_async+ methods, which return a {Renderiq::Operation} to poll from a timer.
  class Client
    # Host applications the API knows.
    PLATFORMS = %i[sketchup revit autocad rhino archicad blender other].freeze
    # Render qualities (credit cost 5, 10, 20).
    QUALITIES = %i[standard high ultra].freeze
    # Render statuses.
    STATUSES = %i[pending processing completed failed cancelled].freeze
    # Token stores given by name.
    TOKEN_STORES = %i[keychain memory].freeze

    # @return [String]
    attr_reader :base_url

    # @param base_url [String] the server, e.g. +"http://127.0.0.1:8787"+ for the reference server
    # @param platform [Symbol, nil] the host application (+:sketchup+, +:revit+, …); default
    #   +:other+, the SDK's default in every language
    # @param plugin_name [String] your plugin's name, sent with every request
    # @param plugin_version [String] your plugin's version, sent with every request
    # @param token_store [Symbol, EncryptedFileStore] where the session is kept: +:keychain+ (the
    #   OS keychain), +:memory+ (nothing persisted) or an {EncryptedFileStore}
    # @param api_key [String, nil] authenticate with an API key instead of signing in
    # @param timeout [Numeric] seconds one request may take
    # @param max_retries [Integer, nil] retries of transient failures (network errors, 429 with
    #   +Retry-After+, 5xx); default 2
    # @raise [ConfigError] for a malformed base URL, an unknown platform or token store, a
    #   negative +max_retries+ (the SDK checks the values, as in every language)
    # @raise [ArgumentError, TypeError] for arguments of the wrong value or type
    def initialize(base_url:, plugin_name:, plugin_version:, platform: nil, token_store: :keychain,
                   api_key: nil, timeout: 60, max_retries: nil)
      @base_url = Check.string!("base_url", base_url)
      @backend = Backend.current
      config = {
        "baseUrl" => @base_url,
        "pluginName" => Check.string!("plugin_name", plugin_name),
        "pluginVersion" => Check.string!("plugin_version", plugin_version),
        "sdkLanguage" => "ruby",
        "sdkLanguageVersion" => "#{RUBY_VERSION} #{RUBY_PLATFORM} #{@backend.name}",
        "timeoutMs" => Check.millis!("timeout", timeout),
        "tokenStore" => token_store_config(token_store)
      }
      config["platform"] = Check.string!("platform", platform, symbol: true) unless platform.nil?
      config["apiKey"] = Check.string!("api_key", api_key) unless api_key.nil?
      unless max_retries.nil?
        raise TypeError, "max_retries must be an Integer, got #{max_retries.class}" unless max_retries.is_a?(Integer)

        config["maxRetries"] = max_retries
      end
      @c = @backend.client(config)
    end

    # ---- the generic call entry ----------------------------------------------------------

    # Makes any call of the SDK, given as data, and returns its result: the API object as a
    # Hash with the API's camelCase keys (+nil+ for calls without one). Every method of this
    # class is one of these calls; this is the form for calls given as data (a queue, a test
    # scenario, a newer call this gem has no method for yet). The call's names, fields and
    # defaults are the core's +renderiq_sdk::call::Call+, the same in every language. Waits
    # with the GVL released; an interrupt cancels the call.
    #
    #   client.call(call: :sign_in, email: "ada@example.com", password: "correct horse")
    #   client.call({ call: :create_render, image: { kind: :bytes }, settings: { prompt: "dusk" } },
    #               File.binread("view.png"))
    #
    # @param call [Hash] +{call: name, field: value, …}+ (symbol or string keys)
    # @param data [String, nil] the bytes of a +bytes+ or +raw+ image, instead of base64 +data+
    # @return [Hash, Array, String, Integer, true, false, nil] the decoded JSON result
    # @raise [Renderiq::Error] the call's error; {ValidationError} for a call that is not valid
    def call(call, data = nil)
      @c.call(*call_args(call, data))
    end

    # {call} in the background: an {Operation} to poll from a UI timer, whose {Operation#value}
    # is the decoded result. Cancelling a call that creates a render (+create_render+,
    # +render+) withdraws the render while it is pending, which refunds its credits.
    #
    #   op = client.start(call: :render, image: { kind: :file, path: "/tmp/view.png" })
    #   op.progress.percent  # from a timer
    #   op.value             # the completed render, a Hash
    #
    # @param (see #call)
    # @return [Operation]
    # @raise [ValidationError] for a call that is not valid (the call's own errors are the
    #   operation's)
    def start(call, data = nil)
      Operation.new(@c.start(*call_args(call, data)))
    end

    # ---- auth ---------------------------------------------------------------------------

    # Signs in and keeps the session in the token store.
    # @return [User]
    # @raise [AuthError] for a wrong email or password
    def sign_in(email, password)
      User.from_wire(@c.sign_in(Check.string!("email", email), Check.string!("password", password)))
    end

    # Uses an API key for every further request and keeps it in the token store.
    # @param key [String]
    def api_key=(key)
      @c.use_api_key(Check.string!("api_key", key))
    end

    # @return [Boolean] a session or API key is available (in memory or in the token store)
    def signed_in?
      @c.signed_in? ? true : false
    end

    # @return [User] the signed-in user
    # @raise [AuthError] when not signed in
    def me
      User.from_wire(@c.me)
    end

    # Signs out: revokes the session on the server (best effort) and clears the token store.
    # @return [nil]
    def sign_out
      @c.sign_out
      nil
    end

    # ---- renders ------------------------------------------------------------------------

    # Prepares the image and creates a render (status +:pending+). Blocking; yields a
    # {Progress} (+:preparing+, +:uploading+) while it works.
    #
    # @param image [String, Pathname, Image] a file path, or {Image.file}, {Image.encoded} or
    #   {Image.raw}. A String is always a path.
    # @param prompt [String, nil] what to render
    # @param style [String, Symbol, nil] +:photorealistic+, +:sketch+, +:watercolor+, +:clay+,
    #   +:night+, +:blueprint+; default the user's setting
    # @param quality [Symbol, nil] +:standard+, +:high+ or +:ultra+; default the user's setting
    # @param aspect_ratio [String, nil] +"16:9"+, …; default the user's setting
    # @param project_id [String, nil]
    # @param callback_url [String, nil] receives a signed webhook delivery when the render ends
    # @param idempotency_key [String, nil] a repeat with the same key returns the first render
    #   and charges nothing; default a fresh key per call
    # @return [Render]
    # @raise [InsufficientCreditsError, RateLimitError, ValidationError, ImageError, …]
    def create_render(image:, prompt: nil, style: nil, quality: nil, aspect_ratio: nil, project_id: nil,
                      callback_url: nil, idempotency_key: nil, &block)
      create_render_async(image: image, prompt: prompt, style: style, quality: quality, aspect_ratio: aspect_ratio,
                          project_id: project_id, callback_url: callback_url,
                          idempotency_key: idempotency_key).value(&block)
    end

    # {create_render} in the background.
    # @return [Operation] whose value is the new {Render}
    def create_render_async(image:, prompt: nil, style: nil, quality: nil, aspect_ratio: nil, project_id: nil,
                            callback_url: nil, idempotency_key: nil)
      img = Image.coerce(image)
      params = render_params(prompt, style, quality, aspect_ratio, project_id, callback_url, idempotency_key)
      Operation.new(@c.create_render_start(img, params)) { |w| Render.from_wire(w) }
    end

    # Creates a render and follows it to completion in one background operation: the whole
    # "Render" button of a plugin. Progress stages: +:preparing+, +:uploading+, then the
    # render's status; {Progress#render} carries the render once created. Cancelling stops the
    # SDK's work and withdraws the render on the server while it is still pending (refunded).
    # @param timeout [Numeric] seconds to wait after the upload (default 10 minutes)
    # @return [Operation] whose value is the completed {Render}
    def create_and_wait_async(image:, prompt: nil, style: nil, quality: nil, aspect_ratio: nil, project_id: nil,
                              callback_url: nil, idempotency_key: nil, timeout: 600)
      img = Image.coerce(image)
      params = render_params(prompt, style, quality, aspect_ratio, project_id, callback_url, idempotency_key)
      ms = Check.millis!("timeout", timeout)
      Operation.new(@c.render_start(img, params, ms)) { |w| Render.from_wire(w) }
    end

    # The render's current state.
    # @param id [String, Render]
    # @return [Render]
    # @raise [NotFoundError]
    def render(id)
      Render.from_wire(@c.get_render(render_id(id)))
    end

    # One page of the user's renders, newest first.
    # @return [Page<Render>]
    def list_renders(page: 1, limit: 20, status: nil, project_id: nil)
      query = { "page" => Check.positive_integer!("page", page), "limit" => Check.positive_integer!("limit", limit, max: 100) }
      query["status"] = Check.choice!("status", status, STATUSES) unless status.nil?
      query["projectId"] = Check.string!("project_id", project_id) unless project_id.nil?
      Page.from_wire(@c.list_renders(query), Render)
    end

    # Every render matching the filters, newest first. Pages are fetched as the enumeration
    # goes (+renders.first(5)+ reads one page).
    # @yieldparam render [Render]
    # @return [Enumerator<Render>] without a block
    def renders(status: nil, project_id: nil, per_page: 20)
      return enum_for(:renders, status: status, project_id: project_id, per_page: per_page) unless block_given?

      page = 1
      loop do
        result = list_renders(page: page, limit: per_page, status: status, project_id: project_id)
        result.items.each { |r| yield r }
        break if !result.has_more? || result.items.empty?

        page += 1
      end
      self
    end

    # Cancels a render that has not started processing; its credits are refunded.
    # @param id [String, Render]
    # @return [Render]
    # @raise [ConflictError] when it already started
    def cancel_render(id)
      Render.from_wire(@c.cancel_render(render_id(id)))
    end

    # Waits until the render completes (long-poll, or polling with backoff). Yields a
    # {Progress} with the render as last seen whenever it changes, on this thread.
    # @param id [String, Render]
    # @param timeout [Numeric] seconds
    # @yieldparam progress [Progress]
    # @return [Render] the completed render
    # @raise [RenderFailedError] the render failed (its credits were refunded)
    # @raise [CancelledError] the render was cancelled
    # @raise [TimeoutError] the deadline passed (the render keeps running)
    def wait_for_render(id, timeout: 600, &block)
      wait_for_render_async(id, timeout: timeout).value(&block)
    end

    # {wait_for_render} in the background.
    # @return [Operation] whose value is the completed {Render}
    def wait_for_render_async(id, timeout: 600)
      ms = Check.millis!("timeout", timeout)
      Operation.new(@c.wait_start(render_id(id), ms)) { |w| Render.from_wire(w) }
    end

    # Downloads a completed render's output image.
    # @param render [Render, String] the render or its id
    # @param path [String, Pathname, nil] where to write it (atomically)
    # @return [String, Integer] the image bytes, or the number of bytes written to +path+
    # @raise [ValidationError] when the render has no output yet
    def download_render(render, path = nil)
      render = self.render(render) unless render.is_a?(Render)
      path = path.to_path if path.respond_to?(:to_path)
      path = Check.string!("path", path) unless path.nil?
      @c.download_render(JSON.generate(render.to_wire), path)
    end

    # ---- projects, credits, settings ----------------------------------------------------

    # @return [Array<Project>]
    def projects
      @c.projects.map { |p| Project.from_wire(p) }
    end

    # @param name [String]
    # @param description [String, nil]
    # @return [Project]
    def create_project(name, description: nil)
      Project.from_wire(@c.create_project(Check.string!("name", name), Check.optional_string!("description", description)))
    end

    # @return [Credits]
    def credits
      Credits.from_wire(@c.credits)
    end

    # One page of the credit ledger, newest first.
    # @return [Page<CreditTransaction>]
    def credit_transactions(page: 1, limit: 20)
      Page.from_wire(@c.credit_transactions(Check.positive_integer!("page", page),
                                            Check.positive_integer!("limit", limit, max: 100)), CreditTransaction)
    end

    # @return [Settings]
    def settings
      Settings.from_wire(@c.settings)
    end

    # Changes the given settings and returns all of them.
    # @return [Settings]
    # @raise [ValidationError] for an unknown style or ratio
    def update_settings(default_style: nil, default_quality: nil, default_aspect_ratio: nil, default_project_id: nil,
                        notify_on_complete: nil)
      update = {}
      update["defaultStyle"] = Check.string!("default_style", default_style, symbol: true) unless default_style.nil?
      update["defaultQuality"] = Check.choice!("default_quality", default_quality, QUALITIES) unless default_quality.nil?
      update["defaultAspectRatio"] = Check.string!("default_aspect_ratio", default_aspect_ratio) unless default_aspect_ratio.nil?
      update["defaultProjectId"] = Check.string!("default_project_id", default_project_id) unless default_project_id.nil?
      unless notify_on_complete.nil?
        unless [true, false].include?(notify_on_complete)
          raise TypeError, "notify_on_complete must be true or false, got #{notify_on_complete.inspect}"
        end

        update["notifyOnComplete"] = notify_on_complete
      end
      Settings.from_wire(@c.update_settings(update))
    end

    # ---- API keys and webhooks ----------------------------------------------------------

    # Creates an API key; its +key+ is shown only this once.
    # @param scopes [Array<String, Symbol>] e.g. +["renders:create", "renders:read"]+
    # @param expires_at [Time, nil]
    # @return [CreatedApiKey]
    def create_api_key(name, scopes:, expires_at: nil)
      unless expires_at.nil? || expires_at.is_a?(Time)
        raise TypeError, "expires_at must be a Time or nil, got #{expires_at.class}"
      end

      CreatedApiKey.from_wire(@c.create_api_key(Check.string!("name", name), Check.strings!("scopes", scopes),
                                                expires_at&.utc&.iso8601))
    end

    # @return [Array<ApiKey>]
    def api_keys
      @c.api_keys.map { |k| ApiKey.from_wire(k) }
    end

    # @param id [String, ApiKey]
    # @return [nil]
    def revoke_api_key(id)
      id = id.id if id.is_a?(ApiKey)
      @c.revoke_api_key(Check.string!("id", id))
      nil
    end

    # Registers a webhook; its +secret+ (+whsec_…+) is shown only this once.
    # @param events [Array<String>, nil] +render.completed+, +render.failed+, +render.cancelled+;
    #   default all three (the SDK's default in every language)
    # @return [CreatedWebhook]
    def register_webhook(url, events: nil)
      request = { "call" => "register_webhook", "url" => Check.string!("url", url) }
      request["events"] = Check.strings!("events", events) unless events.nil?
      CreatedWebhook.from_wire(call(request))
    end

    # @return [Array<WebhookEndpoint>]
    def webhooks
      @c.webhooks.map { |w| WebhookEndpoint.from_wire(w) }
    end

    # @param id [String, WebhookEndpoint]
    # @return [nil]
    def delete_webhook(id)
      id = id.id if id.is_a?(WebhookEndpoint)
      @c.delete_webhook(Check.string!("id", id))
      nil
    end

    # Server health; needs no sign-in.
    # @return [Health]
    def health
      Health.from_wire(@c.health)
    end

    # No secrets.
    def inspect
      "#<Renderiq::Client #{@base_url} backend=#{@backend.name}>"
    end
    alias to_s inspect

    private

    def token_store_config(store)
      case store
      when EncryptedFileStore then store.to_config
      when Symbol, String then store.to_s
      else
        raise TypeError, "token_store must be :keychain, :memory or a Renderiq::EncryptedFileStore, got #{store.class}"
      end
    end

    def call_args(call, data)
      raise TypeError, "call must be a Hash like {call: :credits}, got #{call.class}" unless call.is_a?(Hash)
      raise TypeError, "data must be a String of bytes or nil, got #{data.class}" unless data.nil? || data.is_a?(String)

      [JSON.generate(call), data]
    end

    def render_id(id)
      id = id.id if id.is_a?(Render)
      Check.string!("id", id)
    end

    def render_params(prompt, style, quality, aspect_ratio, project_id, callback_url, idempotency_key)
      params = {}
      params["prompt"] = Check.string!("prompt", prompt, empty: true) unless prompt.nil?
      params["style"] = Check.string!("style", style, symbol: true) unless style.nil?
      params["quality"] = Check.choice!("quality", quality, QUALITIES) unless quality.nil?
      params["aspectRatio"] = Check.string!("aspect_ratio", aspect_ratio) unless aspect_ratio.nil?
      params["projectId"] = Check.string!("project_id", project_id) unless project_id.nil?
      params["callbackUrl"] = Check.string!("callback_url", callback_url) unless callback_url.nil?
      params["idempotencyKey"] = Check.string!("idempotency_key", idempotency_key) unless idempotency_key.nil?
      params
    end
  end
end
