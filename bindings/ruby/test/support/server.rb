# frozen_string_literal: true

require "fileutils"
require "securerandom"
require "tmpdir"

# Starts the real reference server (`renderiq-server`) on a loopback port with a temporary data
# directory, creates users with its CLI, and stops it when the test process exits.
class TestServer
  REPO = File.expand_path("../../../..", __dir__)

  # The server binary: $RENDERIQ_SERVER_BIN, else target/debug/renderiq-server.
  def self.bin
    path = ENV.fetch("RENDERIQ_SERVER_BIN", "")
    path = File.join(REPO, "target", "debug", "renderiq-server") if path.empty?
    unless File.executable?(path)
      abort "renderiq-server not found at #{path}: run `cargo build -p renderiq-server` or set RENDERIQ_SERVER_BIN"
    end
    path
  end

  @servers = {}

  # One server per distinct set of options, started on first use and shared by the tests; all
  # stopped after the test run.
  def self.get(**options)
    @servers[options] ||= begin
      register_stop
      new(**options)
    end
  end

  def self.stop_all
    @servers.each_value(&:stop)
    @servers.clear
  end

  # minitest/autorun runs the tests from an at_exit hook registered before this file loads, and
  # at_exit hooks run last-registered first: a plain at_exit here would stop the servers before
  # the tests start. Minitest.after_run runs after them.
  def self.register_stop
    return if @stop_registered

    @stop_registered = true
    if defined?(Minitest) && Minitest.respond_to?(:after_run)
      Minitest.after_run { stop_all }
    else
      at_exit { stop_all }
    end
  end

  attr_reader :url, :data_dir

  # +rust_log+: the server's RUST_LOG (e.g. "warn,tower_http=debug" logs every request).
  def initialize(render_delay_ms: 300, workers: 2, create_rate_limit: nil, read_rate_limit: 0, rust_log: nil)
    @data_dir = Dir.mktmpdir("renderiq-ruby-test-")
    @render_delay_ms = render_delay_ms
    @log = log = File.join(@data_dir, "server.log")
    args = [self.class.bin, "serve", "--bind", "127.0.0.1:0", "--data-dir", @data_dir, "--test-hooks",
            "--allow-private-webhooks",
            "--render-delay-ms", render_delay_ms.to_s, "--workers", workers.to_s,
            "--read-rate-limit", read_rate_limit.to_s,
            # The suite signs in from 127.0.0.1 far more often than the shipped limits allow.
            "--auth-rate-limit", "10000", "--sign-in-rate-limit", "10000"]
    args += ["--create-rate-limit", create_rate_limit.to_s] if create_rate_limit
    env = rust_log ? { "RUST_LOG" => rust_log, "NO_COLOR" => "1" } : {}
    @pid = Process.spawn(env, *args, out: log, err: log)
    deadline = Time.now + 60
    until (@url = File.read(log)[%r{listening on (http://\S+)}, 1])
      if Time.now > deadline || Process.wait(@pid, Process::WNOHANG)
        abort "renderiq-server did not start:\n#{File.read(log)}"
      end
      sleep 0.05
    end
  end

  # Creates a user with the server's CLI; returns [email, password].
  def add_user(credits: 200)
    email = "ruby-#{SecureRandom.hex(6)}@example.com"
    password = "pw-#{SecureRandom.hex(8)}"
    out = IO.popen([self.class.bin, "user", "add", "--email", email, "--password", password,
                    "--credits", credits.to_s, "--data-dir", @data_dir], err: %i[child out], &:read)
    raise "user add failed: #{out}" unless $?.success?

    [email, password]
  end

  # The first line of the server's log that contains every one of +parts+; waits up to
  # +timeout+ seconds for it.
  def wait_for_log(*parts, timeout: 30)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    loop do
      line = File.foreach(@log).find { |l| parts.all? { |p| l.include?(p) } }
      return line if line
      if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
        raise "no server log line with #{parts.inspect} in #{timeout} s:\n#{File.readlines(@log).last(50).join}"
      end

      sleep 0.02
    end
  end

  def stop
    return unless @pid

    # A graceful stop finishes the render in hand first: not worth waiting for a long one.
    Process.kill(@render_delay_ms > 60_000 ? "KILL" : "TERM", @pid)
    # A graceful shutdown finishes in-flight requests; do not wait forever for it.
    unless wait_for_exit(10)
      Process.kill("KILL", @pid)
      Process.wait(@pid)
    end
  rescue Errno::ESRCH, Errno::ECHILD
    nil
  ensure
    @pid = nil
    FileUtils.rm_rf(@data_dir)
  end

  private

  def wait_for_exit(seconds)
    deadline = Time.now + seconds
    loop do
      return true if Process.wait(@pid, Process::WNOHANG)
      return false if Time.now > deadline

      sleep 0.05
    end
  end
end
