#!/usr/bin/env ruby
# frozen_string_literal: true

# Packs the SketchUp extension into an .rbz (a ZIP that Extension Manager > Install Extension
# takes): the loader renderiq_sketchup.rb, the folder renderiq_sketchup/, and inside it the
# renderiq gem (vendor/renderiq/lib) with its native libraries.
#
#   ruby tools/pack_rbz.rb [--out renderiq_sketchup.rbz] [--lib FILE]... [--strip]
#
# Native libraries: every built one found in bindings/ruby/lib/renderiq/ (rake compile / rake ffi:
# renderiq_native.so|.bundle, librenderiq.so|.dylib, renderiq.dll, and per-Ruby-version folders
# such as 3.2/renderiq_native.so), plus each --lib FILE (copied into vendor/renderiq/lib/renderiq/,
# keeping a version folder when FILE is inside one; Cargo's librenderiq_native.so is renamed to
# the extension name Ruby loads). Ship librenderiq for every platform you
# support: it is what SketchUp for Windows loads (through Fiddle). --strip removes debug symbols
# from the copies (needs `strip`).
#
# No gems needed: the ZIP is written with Zlib from Ruby's standard library.
require "fileutils"
require "optparse"
require "tmpdir"
require "zlib"

module RbzPacker
  EXAMPLE = File.expand_path("..", __dir__)
  GEM_LIB = File.expand_path("../../../bindings/ruby/lib", __dir__)
  VENDOR = "renderiq_sketchup/vendor/renderiq/lib"
  NATIVE_PATTERN = /\A(renderiq_native\.(so|bundle|dll)|librenderiq\.(so|dylib)|renderiq\.dll)\z/.freeze

  module_function

  # Cargo names the extension librenderiq_native.so / .dylib / renderiq_native.dll; Ruby loads
  # it as renderiq_native.so (Linux, Windows) or renderiq_native.bundle (macOS).
  def extension_name(name)
    case name
    when "librenderiq_native.so", "renderiq_native.dll" then "renderiq_native.so"
    when "librenderiq_native.dylib" then "renderiq_native.bundle"
    else name
    end
  end

  # Builds the .rbz; returns the list of entry names.
  # @param out [String] the .rbz to write
  # @param libs [Array<String>] extra native libraries
  # @param strip [Boolean] strip debug symbols from native libraries
  def pack(out:, libs: [], strip: false)
    files = {} # entry name => source path
    files["renderiq_sketchup.rb"] = File.join(EXAMPLE, "renderiq_sketchup.rb")
    Dir.glob("renderiq_sketchup/**/*", base: EXAMPLE).sort.each do |rel|
      src = File.join(EXAMPLE, rel)
      next if File.directory?(src) || rel.start_with?("renderiq_sketchup/vendor/")

      files[rel] = src
    end
    Dir.glob("**/*.rb", base: GEM_LIB).sort.each { |rel| files["#{VENDOR}/#{rel}"] = File.join(GEM_LIB, rel) }
    natives = Dir.glob("renderiq/**/*", base: GEM_LIB).select { |rel| File.basename(rel).match?(NATIVE_PATTERN) }
    natives.each { |rel| files["#{VENDOR}/#{rel}"] = File.join(GEM_LIB, rel) }
    libs.each do |lib|
      raise ArgumentError, "#{lib}: no such file" unless File.file?(lib)

      version_dir = File.basename(File.dirname(lib))[/\A\d+\.\d+\z/]
      files[[VENDOR, "renderiq", version_dir, extension_name(File.basename(lib))].compact.join("/")] = lib
    end
    if files.keys.none? { |name| File.basename(name).match?(NATIVE_PATTERN) }
      raise ArgumentError, "no native library to pack: build them first (cd bindings/ruby && rake compile ffi) or pass --lib"
    end

    Dir.mktmpdir("renderiq-rbz-") do |tmp|
      if strip
        files.each do |name, src|
          next unless File.basename(name).match?(NATIVE_PATTERN)

          copy = File.join(tmp, name.tr("/", "_"))
          system("strip", "--strip-debug", "-o", copy, src) or raise "strip failed for #{src}"
          files[name] = copy
        end
      end
      FileUtils.mkdir_p(File.dirname(File.expand_path(out)))
      Zip.write(out, files)
    end
    files.keys
  end

  # A minimal ZIP writer and reader (deflate, UTF-8 names, no ZIP64: entries under 4 GiB).
  module Zip
    module_function

    def write(path, files)
      File.open(path, "wb") do |io|
        central = []
        files.each do |name, src|
          data = File.binread(src)
          crc = Zlib.crc32(data)
          packed = deflate(data)
          method = packed.bytesize < data.bytesize ? 8 : 0
          body = method == 8 ? packed : data
          time, date = dos_time(File.mtime(src))
          mode = File.executable?(src) ? 0o100755 : 0o100644
          offset = io.pos
          io.write([0x04034b50, 20, 0x0800, method, time, date, crc, body.bytesize, data.bytesize, name.bytesize, 0]
                     .pack("VvvvvvVVVvv"), name.b, body)
          central << [0x02014b50, (3 << 8) | 20, 20, 0x0800, method, time, date, crc, body.bytesize, data.bytesize,
                      name.bytesize, 0, 0, 0, 0, mode << 16, offset].pack("VvvvvvvVVVvvvvvVV") + name.b
        end
        start = io.pos
        central.each { |c| io.write(c) }
        io.write([0x06054b50, 0, 0, central.size, central.size, io.pos - start, start, 0].pack("VvvvvVVv"))
      end
    end

    def deflate(data)
      z = Zlib::Deflate.new(data.bytesize > (4 << 20) ? Zlib::BEST_SPEED : Zlib::BEST_COMPRESSION, -Zlib::MAX_WBITS)
      out = z.deflate(data, Zlib::FINISH)
      z.close
      out
    end

    def dos_time(t)
      [(t.hour << 11) | (t.min << 5) | (t.sec / 2), ((t.year - 1980) << 9) | (t.month << 5) | t.day]
    end

    # Entry name => contents of the ZIP at +path+.
    def read(path)
      bytes = File.binread(path)
      eocd = bytes.rindex([0x06054b50].pack("V")) or raise "#{path} is not a ZIP file"
      count, _size, offset = bytes[eocd + 10, 10].unpack("vVV")
      entries = {}
      count.times do
        fields = bytes[offset, 46].unpack("VvvvvvvVVVvvvvvVV")
        method, csize, name_len, extra_len, comment_len, local = fields.values_at(4, 8, 10, 11, 12, 16)
        name = bytes[offset + 46, name_len].force_encoding(Encoding::UTF_8)
        l_name, l_extra = bytes[local + 26, 4].unpack("vv")
        body = bytes[local + 30 + l_name + l_extra, csize]
        entries[name] = method == 8 ? Zlib::Inflate.new(-Zlib::MAX_WBITS).inflate(body) : body
        offset += 46 + name_len + extra_len + comment_len
      end
      entries
    end
  end
end

if $PROGRAM_NAME == __FILE__
  options = { out: File.join(RbzPacker::EXAMPLE, "renderiq_sketchup.rbz"), libs: [], strip: false }
  OptionParser.new do |o|
    o.banner = "Usage: ruby tools/pack_rbz.rb [--out FILE] [--lib FILE]... [--strip]"
    o.on("--out FILE", "the .rbz to write") { |v| options[:out] = v }
    o.on("--lib FILE", "a native library to add (repeatable)") { |v| options[:libs] << v }
    o.on("--strip", "strip debug symbols from native libraries") { options[:strip] = true }
  end.parse!
  begin
    names = RbzPacker.pack(**options)
  rescue ArgumentError => e
    abort "pack_rbz: #{e.message}"
  end
  puts "wrote #{options[:out]} (#{names.size} files, #{File.size(options[:out])} bytes)"
  names.select { |n| File.basename(n).match?(RbzPacker::NATIVE_PATTERN) }.each { |n| puts "  native: #{n}" }
end
