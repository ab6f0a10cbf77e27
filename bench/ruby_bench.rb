#!/usr/bin/env ruby
# frozen_string_literal: true

# Per-call overhead of the Ruby binding, each backend, next to pure Ruby:
#
# - webhook verification of a 1 KiB body: Renderiq::Webhook.verify (native extension; Fiddle
#   over librenderiq) vs pure Ruby (OpenSSL::HMAC + Base64 + OpenSSL.secure_compare, with the
#   same header parsing and timestamp check);
# - a render status read from the local reference server: Client#render(id) vs pure Ruby
#   Net::HTTP (keep-alive) + JSON.parse.
#
#   cargo build --release -p renderiq-ruby -p renderiq-ffi -p renderiq-server
#   ruby bench/ruby_bench.rb [--iterations N] [--profile release|debug] [--min-ratio 5]
#
# Issue 15's target: the native extension's webhook verify at least --min-ratio (default 5)
# times faster than pure Ruby; the script exits with status 1 below it.
#
# The libraries come from target/<profile> (default release when built, else debug), copied with
# the gem's Ruby files into a temporary folder; the server is target/<profile>/renderiq-server
# unless RENDERIQ_SERVER_BIN is set. Each backend runs in its own child process.
require "fileutils"
require "json"
require "open3"
require "rbconfig"
require "tmpdir"

ROOT = File.expand_path("..", __dir__)
GEM_LIB = ENV.fetch("RENDERIQ_BENCH_GEM_LIB", File.join(ROOT, "bindings", "ruby", "lib"))
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = JSON.generate("type" => "render.completed", "data" => { "id" => "rnd_bench", "pad" => "x" * 960 })[0, 1024]
                .ljust(1024, " ")

# Median microseconds per call over +batches+ batches of +n+ calls.
def measure(n, batches: 5)
  (n / 10).times { yield } # warm-up
  times = Array.new(batches) do
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    n.times { yield }
    (Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0) * 1e6 / n
  end
  times.sort[batches / 2]
end

# Pure-Ruby Standard Webhooks verification, as a Rack app would write it.
module PureWebhook
  module_function

  def verify(secret, body, headers, now)
    require "openssl"
    require "base64"
    key = Base64.decode64(secret.delete_prefix("whsec_"))
    id = headers.fetch("webhook-id")
    ts = headers.fetch("webhook-timestamp")
    raise "timestamp" if (now - Integer(ts)).abs > 300

    expected = OpenSSL::HMAC.digest("SHA256", key, "#{id}.#{ts}.#{body}")
    ok = headers.fetch("webhook-signature").split(" ").any? do |entry|
      version, sig = entry.split(",", 2)
      next false unless version == "v1" && sig

      candidate = Base64.decode64(sig)
      candidate.bytesize == expected.bytesize && OpenSSL.fixed_length_secure_compare(candidate, expected)
    end
    raise "bad signature" unless ok

    true
  end
end

def child(mode, url, email, password, iterations)
  now = Time.now.to_i
  results = {}
  if mode == "pure"
    require "openssl"
    require "base64"
    require "net/http"
    key = Base64.decode64(SECRET.delete_prefix("whsec_"))
    sig = "v1,#{Base64.strict_encode64(OpenSSL::HMAC.digest('SHA256', key, "msg_1.#{now}.#{BODY}"))}"
    headers = { "webhook-id" => "msg_1", "webhook-timestamp" => now.to_s, "webhook-signature" => sig }
    results["verify"] = measure(iterations) { PureWebhook.verify(SECRET, BODY, headers, now) }
    uri = URI(url)
    http = Net::HTTP.start(uri.host, uri.port)
    post = lambda do |path, body, token = nil|
      req = Net::HTTP::Post.new(path, "Content-Type" => "application/json")
      req["Authorization"] = "Bearer #{token}" if token
      req.body = JSON.generate(body)
      JSON.parse(http.request(req).body).fetch("data")
    end
    token = post.call("/api/plugins/auth/signin", { email: email, password: password }).fetch("accessToken")
    list = JSON.parse(http.get("/api/plugins/renders?limit=1", "Authorization" => "Bearer #{token}").body)
    id = list.fetch("data").fetch("items").first.fetch("id")
    results["status"] = measure(iterations / 10) do
      JSON.parse(http.get("/api/plugins/renders/#{id}", "Authorization" => "Bearer #{token}").body).fetch("data")
    end
  else
    $LOAD_PATH.unshift(GEM_LIB)
    require "renderiq"
    raise "asked for #{mode}, got #{Renderiq.backend}" unless Renderiq.backend.to_s == mode

    headers = Renderiq::Webhook.headers_for(secret: SECRET, msg_id: "msg_1", timestamp: now, body: BODY)
    results["verify"] = measure(iterations) do
      Renderiq::Webhook.verify(secret: SECRET, body: BODY, headers: headers, now: now)
    end
    client = Renderiq::Client.new(base_url: url, plugin_name: "bench", plugin_version: "1", token_store: :memory)
    client.sign_in(email, password)
    id = client.renders.first.id
    results["status"] = measure(iterations / 10) { client.retrieve_render(id) }
  end
  puts JSON.generate(results)
end

if ARGV.first == "--child"
  _, mode, url, email, password, iterations = ARGV
  child(mode, url, email, password, Integer(iterations))
  exit
end

iterations = 20_000
iterations = Integer(ARGV[ARGV.index("--iterations") + 1]) if ARGV.include?("--iterations")
min_ratio = ARGV.include?("--min-ratio") ? Float(ARGV[ARGV.index("--min-ratio") + 1]) : 5.0
target = File.join(ROOT, "target")
profile = ARGV.include?("--profile") ? ARGV[ARGV.index("--profile") + 1] : nil
profile ||= File.exist?(File.join(target, "release", "librenderiq_native.so")) ? "release" : "debug"
libs = { "renderiq_native.so" => "librenderiq_native.so", "librenderiq.so" => "librenderiq.so" }
libs.each_value do |name|
  abort "#{File.join(target, profile, name)} is missing: cargo build#{profile == 'release' ? ' --release' : ''} -p renderiq-ruby -p renderiq-ffi" unless File.exist?(File.join(target, profile, name))
end
gem_lib = Dir.mktmpdir("renderiq-bench-")
at_exit { FileUtils.rm_rf(gem_lib) }
FileUtils.cp_r(File.join(ROOT, "bindings", "ruby", "lib", "."), gem_lib)
libs.each { |dest, src| FileUtils.cp(File.join(target, profile, src), File.join(gem_lib, "renderiq", dest)) }
ENV["RENDERIQ_BENCH_GEM_LIB"] = gem_lib
ENV["RENDERIQ_LIBRARY_PATH"] = File.join(gem_lib, "renderiq", "librenderiq.so")
ENV["RENDERIQ_SERVER_BIN"] ||= [profile, "release", "debug"].map { |p| File.join(target, p, "renderiq-server") }
                                                           .find { |p| File.executable?(p) }
require_relative "../bindings/ruby/test/support/server"
require_relative "../bindings/ruby/test/support/png"
server = TestServer.new(render_delay_ms: 50)
at_exit { server.stop }
email, password = server.add_user(credits: 100)

# One render to read the status of.
setup = <<~RUBY
  $LOAD_PATH.unshift(#{gem_lib.inspect})
  require "renderiq"
  require #{File.join(ROOT, 'bindings/ruby/test/support/png').inspect}
  c = Renderiq::Client.new(base_url: #{server.url.inspect}, plugin_name: "bench", plugin_version: "1", token_store: :memory)
  c.sign_in(#{email.inspect}, #{password.inspect})
  c.wait_for_render(c.create_render(image: Renderiq::Image.encoded(TestPNG.gradient(64, 48)), quality: :standard))
RUBY
out, status = Open3.capture2e(RbConfig.ruby, "-e", setup)
abort "setup failed: #{out}" unless status.success?

results = {}
%w[native fiddle pure].each do |mode|
  out, status = Open3.capture2e({ "RENDERIQ_RUBY_BACKEND" => mode == "pure" ? nil : mode },
                                RbConfig.ruby, __FILE__, "--child", mode, server.url, email, password, iterations.to_s)
  results[mode] = status.success? ? JSON.parse(out.lines.last) : (warn("#{mode} failed:\n#{out}") || {})
end

fmt = ->(v) { v ? format("%9.2f µs", v) : "      n/a   " }
puts "Renderiq Ruby binding, per-call time (median of 5 batches; Ruby #{RUBY_VERSION} #{RUBY_PLATFORM})"
puts "libraries: target/#{profile}; server: #{ENV['RENDERIQ_SERVER_BIN'].sub("#{ROOT}/", '')}"
puts format("%-40s %14s %14s %14s", "", "native ext", "Fiddle+C ABI", "pure Ruby")
puts format("%-40s %14s %14s %14s", "webhook verify, 1 KiB body (#{iterations}x)",
            *%w[native fiddle pure].map { |m| fmt.call(results.dig(m, "verify")) })
puts format("%-40s %14s %14s %14s", "render status read, loopback (#{iterations / 10}x)",
            *%w[native fiddle pure].map { |m| fmt.call(results.dig(m, "status")) })
puts "pure Ruby: OpenSSL::HMAC + Base64 + OpenSSL.fixed_length_secure_compare; Net::HTTP keep-alive + JSON.parse"
native, pure = results.dig("native", "verify"), results.dig("pure", "verify")
abort "BELOW TARGET: no native or pure-Ruby webhook figure" unless native && pure
puts format("webhook verify, pure Ruby / native extension: %.1fx (target %.1fx)", pure / native, min_ratio)
abort format("BELOW TARGET: webhook verify native %.1fx pure Ruby, target %.1fx", pure / native, min_ratio) if pure / native < min_ratio
