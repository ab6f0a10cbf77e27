# frozen_string_literal: true

require "zlib"

# Tiny PNG encoder for test images (8-bit RGB), so the tests need no image library.
module TestPNG
  module_function

  # A width x height gradient PNG.
  def gradient(width, height)
    rows = Array.new(height) do |y|
      "\0".b + Array.new(width) { |x| [(x * 255 / [width - 1, 1].max), (y * 255 / [height - 1, 1].max), 128].pack("C3") }.join
    end
    encode(width, height, rows.join)
  end

  def encode(width, height, raw)
    chunk = lambda do |type, data|
      [data.bytesize].pack("N") + type + data + [Zlib.crc32(type + data)].pack("N")
    end
    "\x89PNG\r\n\x1a\n".b +
      chunk.call("IHDR", [width, height, 8, 2, 0, 0, 0].pack("N2C5")) +
      chunk.call("IDAT", Zlib::Deflate.deflate(raw)) +
      chunk.call("IEND", "")
  end

  # Raw BGRA pixels with rows padded to +stride+ bytes (padding filled with 0xEE).
  def bgra(width, height, stride)
    Array.new(height) do |y|
      row = Array.new(width) { |x| [(x * 3) % 256, (y * 3) % 256, 200, 255].pack("C4") }.join
      row + ("\xEE".b * (stride - (width * 4)))
    end.join
  end
end
