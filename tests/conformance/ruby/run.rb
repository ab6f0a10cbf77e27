# frozen_string_literal: true

# The Ruby conformance runner: every scenario of tests/conformance/scenarios through the gem's
# generic call entry (Renderiq::Client#call / #start), one line each, then `N passed, N failed`.
# Exits 1 when a scenario failed, 2 when the setup is missing.
#
#   RENDERIQ_RUBY_BACKEND=native ruby tests/conformance/ruby/run.rb [STEM…]
#   RENDERIQ_RUBY_BACKEND=fiddle RENDERIQ_LIBRARY_PATH=…/librenderiq.so ruby tests/conformance/ruby/run.rb
#
# The backend is picked as for the gem's own tests (scripts/test-ruby.sh): RENDERIQ_RUBY_BACKEND
# names it and the runner refuses to run on another. The servers and users come from
# RENDERIQ_CONFORMANCE_SERVERS and RENDERIQ_CONFORMANCE_USERS (see the README next door, which
# scripts/test-conformance.sh follows).

ROOT = File.expand_path(ENV.fetch("RENDERIQ_CONFORMANCE_ROOT", File.join(__dir__, "../../..")))
$LOAD_PATH.unshift(File.join(ROOT, "bindings/ruby/lib"))
require "json"
require "timeout"
require "renderiq"

module Conformance
  # Longest a single call or operation may take before the step fails.
  STEP_LIMIT = 120
  # How often a `start` step looks at the operation's progress.
  POLL = 0.005
  # The keys an `error` expectation may have.
  ERROR_KEYS = %w[kind class code status fields hintCalls hintExcludes messageContains].freeze

  # A step that did not go as the scenario says.
  class Failure < StandardError; end

  # What a call gave: a value or an exception.
  Outcome = Struct.new(:value, :error) do
    def self.of
      new(yield, nil)
    rescue Renderiq::Error, ArgumentError, TypeError => e
      new(nil, e)
    end
  end

  module_function

  def fail!(why)
    raise Failure, why
  end

  # A value as text, cut to a readable length.
  def short(value)
    text = JSON.generate(value)
    text.length > 300 ? "#{text[0, 300]}…" : text
  rescue StandardError
    value.inspect[0, 300]
  end

  # ---- setup -----------------------------------------------------------------------------

  # The servers and users the script hands over.
  class Setup
    attr_reader :servers, :users

    def self.from_env
      servers = ENV.fetch("RENDERIQ_CONFORMANCE_SERVERS") do
        raise KeyError, "RENDERIQ_CONFORMANCE_SERVERS is not set: run scripts/test-conformance.sh, " \
                        'or set it to {"default": "http://127.0.0.1:PORT", …}'
      end
      users = ENV.fetch("RENDERIQ_CONFORMANCE_USERS") do
        raise KeyError, "RENDERIQ_CONFORMANCE_USERS is not set: it names the users JSON file that " \
                        "scripts/test-conformance.sh writes"
      end
      new(JSON.parse(servers), JSON.parse(File.read(users)))
    end

    def initialize(servers, users)
      @servers = servers
      @users = users
    end

    # The setup values a scenario may use as ${name}.
    def values(stem, server)
      user = @users.fetch(stem) { Conformance.fail!("the users file has no account for scenario #{stem.inspect}") }
      url = @servers.fetch(server) { Conformance.fail!("no server #{server.inspect} in RENDERIQ_CONFORMANCE_SERVERS") }
      { "email" => user.fetch("email"), "password" => user.fetch("password"), "base_url" => url,
        "assets" => File.join(ROOT, "examples/assets"), "vectors" => File.join(ROOT, "tests/vectors") }
    end
  end

  # The named byte buffers of `attach` (README, Buffers).
  def buffer(name)
    case name
    when "raw_bgra_2x2_stride12_bottom_up"
      [0, 0, 255, 255, 0, 255, 0, 255, 9, 9, 9, 9, # row 0 and 4 bytes of padding
       255, 0, 0, 255, 255, 255, 255, 255].pack("C*") # row 1
    when "sample_png" then File.binread(File.join(ROOT, "examples/assets/sample-viewport.png"))
    else fail!("unknown buffer #{name.inspect} (see the README's Buffers)")
    end
  end

  # ---- variables ---------------------------------------------------------------------------

  # Replaces every ${name}; a string that is exactly "${name}" becomes the value itself.
  def substitute(value, vars)
    case value
    when String
      whole = value[/\A\$\{([^${}]+)\}\z/, 1]
      return lookup(whole, vars) if whole

      value.gsub(/\$\{([^}]*)\}/) do
        v = lookup(Regexp.last_match(1), vars)
        v.is_a?(String) ? v : JSON.generate(v)
      end
    when Array then value.map { |v| substitute(v, vars) }
    when Hash then value.transform_values { |v| substitute(v, vars) }
    else value
    end
  end

  def lookup(name, vars)
    vars.fetch(name) { fail!("variable ${#{name}} is not set (no setup value or saved variable)") }
  end

  # The part of +value+ a dot-separated +path+ names ("" = all of it).
  def at_path(value, path)
    return value if path.empty?

    path.split(".").reduce(value) do |cur, seg|
      found = case cur
              when Hash then cur.fetch(seg, :missing)
              when Array then seg.match?(/\A\d+\z/) && seg.to_i < cur.size ? cur[seg.to_i] : :missing
              else :missing
              end
      fail!("the result has no #{seg.inspect} at path #{path.inspect}") if found == :missing
      found
    end
  end

  # ---- expectations --------------------------------------------------------------------------

  # Checks that +actual+ contains +expected+ (README, Expectations; matchers $any, $range,
  # $contains); raises Failure naming the first difference.
  def subset(expected, actual, path = "$")
    return if matcher(expected, actual, path)

    case expected
    when Hash
      fail!("#{path} is #{short(actual)}, expected an object") unless actual.is_a?(Hash)
      expected.each do |k, w|
        if actual.key?(k) then subset(w, actual[k], "#{path}.#{k}")
        elsif !w.nil? then fail!("#{path}.#{k} is missing (expected #{short(w)})")
        end
      end
    when Array
      unless actual.is_a?(Array) && actual.size == expected.size
        fail!("#{path} is #{short(actual)}, expected #{expected.size} elements")
      end
      expected.zip(actual).each_with_index { |(w, h), i| subset(w, h, "#{path}[#{i}]") }
    when Numeric
      fail!("#{path} is #{short(actual)}, expected #{expected}") unless actual.is_a?(Numeric) && actual == expected
    else
      fail!("#{path} is #{short(actual)}, expected #{short(expected)}") unless expected == actual
    end
  end

  # true when +expected+ is a matcher and it matched; raises when it did not.
  def matcher(expected, actual, path)
    return false unless expected.is_a?(Hash) && expected.size == 1

    name, arg = expected.first
    case name
    when "$any"
      fail!("#{path} is null, expected a value") if actual.nil?
    when "$range"
      lo, hi = arg
      unless actual.is_a?(Numeric) && actual.between?(lo, hi)
        fail!("#{path} is #{short(actual)}, expected a number from #{lo} to #{hi}")
      end
    when "$contains"
      unless actual.is_a?(String) && actual.include?(arg)
        fail!("#{path} is #{short(actual)}, expected a string containing #{arg.inspect}")
      end
    else return false
    end
    true
  end

  # Checks an outcome against +expect+ (+ok+, +ok_any+ or +error+; none means +ok_any+).
  def check(expect, outcome)
    return ok_value(outcome) if expect.nil?

    fail!("`expect` needs exactly one of ok, ok_any, error: #{short(expect)}") unless expect.is_a?(Hash) && expect.size == 1
    key, want = expect.first
    case key
    when "ok"
      got = ok_value(outcome)
      begin
        subset(want, got)
      rescue Failure => e
        fail!("#{e.message}; the result was #{short(got)}")
      end
    when "ok_any" then ok_value(outcome)
    when "error"
      fail!("expected an error, the call succeeded with #{short(outcome.value)}") unless outcome.error
      check_error(want, outcome.error)
    else fail!("unknown expectation #{short(expect)}")
    end
  end

  def ok_value(outcome)
    e = outcome.error
    return outcome.value unless e

    detail = e.is_a?(Renderiq::Error) ? "#{e.class} (#{e.kind}, code #{e.code.inspect}, status #{e.status.inspect})" : e.class.name
    fail!("expected success, got #{detail}: #{e.message}")
  end

  # How Ruby spells a call's method: is_signed_in => signed_in?.
  def ruby_method(call)
    call.start_with?("is_") ? "#{call.delete_prefix('is_')}?" : call
  end

  # +requiredCredits+ => +required_credits+
  def snake(name)
    name.gsub(/([A-Z])/) { "_#{Regexp.last_match(1).downcase}" }
  end

  def check_error(want, e)
    unknown = want.keys - ERROR_KEYS
    fail!("unknown key #{unknown.first.inspect} in an error expectation") unless unknown.empty?
    about = "the error was #{e.class}: #{e.message}"
    fail!("expected a Renderiq::Error, got #{about}") unless e.is_a?(Renderiq::Error)

    if want.key?("kind") && e.kind.to_s != want["kind"]
      fail!("kind is #{e.kind}, expected #{want['kind']}; #{about}")
    end
    if want.key?("class")
      klass = Renderiq::Error::KINDS.values.find { |k| k.name == "Renderiq::#{want['class']}Error" }
      fail!("#{want['class']} is no class stem of the error table") unless klass
      fail!("class is #{e.class}, expected #{klass}; #{about}") unless e.instance_of?(klass)
    end
    { "code" => e.code, "status" => e.status }.each do |key, have|
      next unless want.key?(key)

      begin
        subset(want[key], have)
      rescue Failure => f
        fail!("#{key}: #{f.message}; #{about}")
      end
    end
    (want["fields"] || {}).each do |name, w|
      reader = snake(name)
      fail!("#{e.class} has no reader #{reader} for the field #{name}") unless e.respond_to?(reader)
      have = e.public_send(reader)
      have = have.to_s if have.is_a?(Symbol)
      begin
        subset(w, have)
      rescue Failure => f
        fail!("field #{name} (#{reader}): #{f.message}; #{about}")
      end
    end
    hint = e.hint.to_s
    (want["hintCalls"] || []).each do |call|
      method = ruby_method(call)
      fail!("the hint #{hint.inspect} does not name #{method}; #{about}") unless hint.include?(method)
    end
    (want["hintExcludes"] || []).each do |word|
      fail!("the hint #{hint.inspect} names #{word.inspect}; #{about}") if hint.include?(word)
    end
    (want["messageContains"] || []).each do |word|
      fail!("the message #{e.message.inspect} lacks #{word.inspect}") unless e.message.include?(word)
    end
  end

  # ---- one scenario ------------------------------------------------------------------------

  # The Ruby keywords of Renderiq::Client.new for client options (the core's ClientConfig
  # names); an option Ruby has no keyword for is passed in snake_case and refused by Ruby.
  def client_keywords(options)
    options.to_h do |key, value|
      case key
      when "timeoutMs" then [:timeout, value.is_a?(Numeric) ? value / 1000.0 : value]
      when "connectTimeoutMs" then [:connect_timeout, value.is_a?(Numeric) ? value / 1000.0 : value]
      when "tokenStore"
        [:token_store, value.is_a?(Hash) ? Renderiq::EncryptedFileStore.new(value["file"], passphrase: value["passphrase"]) : value.to_sym]
      when "platform" then [:platform, value.is_a?(String) ? value.to_sym : value]
      else [snake(key).to_sym, value]
      end
    end
  end

  # One scenario in progress: its variables and its current client.
  class Scenario
    def initialize(setup, doc, stem)
      @vars = setup.values(stem, doc.fetch("server", "default"))
      @defaults = { "baseUrl" => @vars["base_url"], "tokenStore" => "memory",
                    "pluginName" => "renderiq-conformance", "pluginVersion" => Renderiq::VERSION }
      outcome = build_client({})
      Conformance.fail!("the default client: #{outcome.error.message}") if outcome.error
      @client = outcome.value
    end

    def run(steps)
      steps.each_with_index do |step, i|
        step(step)
      rescue Failure => e
        raise Failure, "step #{i + 1} (#{label(step)}): #{e.message}"
      end
    end

    private

    def label(step)
      %w[call start].each do |key|
        name = step[key].is_a?(Hash) && step[key]["call"]
        return "#{key} #{name}" if name
      end
      step.keys.find { |k| !%w[expect save].include?(k) } || "?"
    end

    def step(step)
      expect = step.key?("expect") ? Conformance.substitute(step["expect"], @vars) : nil
      if step.key?("call")
        outcome = call(step["call"], step["attach"])
        Conformance.check(expect, outcome)
        save(step["save"], outcome)
      elsif step.key?("start") then start(step, expect)
      elsif step.key?("sleep_ms") then sleep(Integer(step["sleep_ms"]) / 1000.0)
      elsif step.key?("verify_webhook")
        Conformance.check(expect, verify_webhook(Conformance.substitute(step["verify_webhook"], @vars)))
      elsif step.key?("client")
        options = Conformance.substitute(step["client"], @vars)
        Conformance.fail!("`client` must be an object") unless options.is_a?(Hash)
        outcome = build_client(options)
        @client = outcome.value
        if expect
          Conformance.check(expect, outcome)
        elsif outcome.error
          Conformance.fail!("the client was not built: #{outcome.error.class}: #{outcome.error.message}")
        end
      else
        Conformance.fail!("unknown step #{Conformance.short(step)}")
      end
    end

    def build_client(options)
      keywords = Conformance.client_keywords(@defaults.merge(options))
      Outcome.of { Renderiq::Client.new(**keywords) }
    end

    def client
      @client || Conformance.fail!("there is no client: the last `client` step did not build one")
    end

    def prepare(call, attach)
      [Conformance.substitute(call, @vars), attach && Conformance.buffer(attach)]
    end

    def call(call, attach)
      args = prepare(call, attach)
      Timeout.timeout(STEP_LIMIT) { Outcome.of { client.call(*args) } }
    rescue Timeout::Error
      Conformance.fail!("the call took longer than #{STEP_LIMIT} s")
    end

    def start(step, expect)
      started = Outcome.of { client.start(*prepare(step["start"], step["attach"])) }
      return Conformance.check(expect, started) if started.error

      op = started.value
      seen = op.progress
      case (when_ = step["cancel_when"])
      when nil
        if step["expect_progress"] == true
          first = seen.version
          wait_done(op)
          seen = op.progress
          Conformance.fail!("the progress version never grew (stayed #{first})") if seen.version <= first
          Conformance.fail!("the last progress was #{seen.percent} percent") if seen.percent != 100
        end
      when "at_once" then op.cancel
      when Hash
        seen = wait_for_stage(op, when_.fetch("stage") { Conformance.fail!("cancel_when needs a stage") })
        op.cancel
      else Conformance.fail!("cancel_when must be \"at_once\" or {\"stage\": …}, got #{Conformance.short(when_)}")
      end
      wait_done(op)
      outcome = Outcome.of { op.value }
      Conformance.check(expect, outcome)
      save(step["save"], outcome)
      save(step["save_progress"], Outcome.new(progress_json(seen), nil))
    end

    def progress_json(progress)
      { "percent" => progress.percent, "stage" => progress.stage&.to_s,
        "render" => progress.render&.to_wire, "version" => progress.version }
    end

    def wait_done(op)
      Conformance.fail!("the operation did not finish within #{STEP_LIMIT} s") unless op.wait(STEP_LIMIT)
    end

    def wait_for_stage(op, stage)
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + STEP_LIMIT
      loop do
        p = op.progress
        return p if p.stage.to_s == stage

        if op.done?
          outcome = Outcome.of { op.value }
          result = outcome.error ? "#{outcome.error.class}: #{outcome.error.message}" : Conformance.short(outcome.value)
          Conformance.fail!("the operation finished before reaching stage #{stage.inspect} (last stage #{p.stage.inspect}): #{result}")
        end
        Conformance.fail!("stage #{stage.inspect} not reached within #{STEP_LIMIT} s") if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
        sleep POLL
      end
    end

    def save(save, outcome)
      return unless save

      Conformance.fail!("`save` must be an object") unless save.is_a?(Hash)
      Conformance.fail!("nothing to save: the call failed (#{outcome.error.message})") if outcome.error
      save.each { |name, path| @vars[name] = Conformance.at_path(outcome.value, path) }
    end

    # The gem's typed verify entry; the verified body (or, with "event": true, the event).
    def verify_webhook(spec)
      %w[secret body now].each { |k| Conformance.fail!("verify_webhook needs `#{k}`") unless spec.key?(k) }
      headers = { "id" => "webhook-id", "timestamp" => "webhook-timestamp", "signature" => "webhook-signature" }
                .each_with_object({}) { |(key, name), h| h[name] = spec[key].to_s unless spec[key].nil? }
      extra = spec.key?("tolerance_s") ? { tolerance: spec["tolerance_s"] } : {}
      args = { secret: spec["secret"], body: spec["body"], headers: headers, now: spec["now"], **extra }
      Outcome.of do
        if spec["event"] == true
          # The verified payload, as the event carries it.
          event = Renderiq::Webhook.verify_event(**args)
          event.respond_to?(:payload) ? event.payload : event.to_wire
        else
          Renderiq::Webhook.verify(**args)
          spec["body"]
        end
      end
    end
  end

  def run(only)
    setup = begin
      Setup.from_env
    rescue KeyError, SystemCallError, JSON::ParserError => e
      warn "conformance: #{e.message}"
      exit 2
    end
    wanted = ENV.fetch("RENDERIQ_RUBY_BACKEND", "")
    if !wanted.empty? && wanted != "auto" && Renderiq.backend.to_s != wanted
      warn "conformance: asked for backend #{wanted} but #{Renderiq.backend} is active"
      exit 2
    end
    files = Dir[File.join(ROOT, "tests/conformance/scenarios/*.json")].sort
    passed = failed = 0
    files.each do |path|
      file = File.basename(path)
      stem = file.delete_suffix(".json")
      next unless only.empty? || only.include?(stem) || only.include?(file)

      begin
        doc = JSON.parse(File.read(path))
        Scenario.new(setup, doc, stem).run(doc.fetch("steps") { fail!("the scenario has no `steps` list") })
        passed += 1
        puts "ok   #{file}"
      rescue Failure, JSON::ParserError => e
        failed += 1
        puts "FAIL #{file}: #{e.message}"
      rescue StandardError => e
        failed += 1
        puts "FAIL #{file}: the runner raised #{e.class}: #{e.message}"
      end
      $stdout.flush
    end
    puts "#{passed} passed, #{failed} failed"
    exit(failed.zero? ? 0 : 1)
  end
end

Conformance.run(ARGV) if $PROGRAM_NAME == __FILE__
