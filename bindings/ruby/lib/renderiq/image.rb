# frozen_string_literal: true

module Renderiq
  # A viewport capture to render, in one of the forms host apps produce.
  #
  #   Renderiq::Image.file("/tmp/view.png")            # a PNG, JPEG or WebP file
  #   Renderiq::Image.encoded(File.binread("v.jpg"))   # PNG, JPEG or WebP bytes
  #   Renderiq::Image.raw(pixels, width: 640, height: 360, stride: 2576, format: :bgra)
  #
  # +create_render(image:)+ also takes a path (a +String+ or +Pathname+); a +String+ is always a
  # path, never image bytes. The core prepares the image when the render is created.
  class Image
    # @return [Symbol] +:file+, +:encoded+ or +:raw+
    attr_reader :kind

    # A PNG, JPEG or WebP file, read when the render is created.
    # @param path [String, Pathname]
    def self.file(path)
      new(:file, path: Check.string!("image path", File.path(path)))
    rescue TypeError
      raise TypeError, "image path must be a String or Pathname, got #{path.class}"
    end

    # PNG, JPEG or WebP bytes.
    def self.encoded(bytes)
      raise TypeError, "encoded image must be a String of bytes, got #{bytes.class}" unless bytes.is_a?(String)

      new(:bytes, data: bytes)
    end

    # Raw 8-bit pixels, 4 bytes each, as read back from a viewport: +format+ +:bgra+ (Windows
    # DIBs, SketchUp) or +:rgba+ (OpenGL); +stride+ (bytes from one row to the next) defaults
    # to +width * 4+; +bottom_up+ when the first row in memory is the bottom row. The core
    # checks the geometry against the buffer when the render is created.
    def self.raw(pixels, width:, height:, stride: nil, format: :bgra, bottom_up: false)
      raise TypeError, "raw pixels must be a String of bytes, got #{pixels.class}" unless pixels.is_a?(String)

      new(:raw, data: pixels, width: width, height: height, stride: stride, pixelFormat: "#{format}8",
                bottomUp: bottom_up)
    end

    # @api private
    # The +image:+ argument of +create_render+ as an Image; a String is always a path.
    def self.coerce(value)
      return value if value.is_a?(Image)
      if value.is_a?(String) && value.encoding == Encoding::BINARY && value.start_with?("\x89PNG".b, "\xFF\xD8".b, "RIFF".b)
        raise ArgumentError, "image: got a binary String that looks like image data; a String is a file path, " \
                             "pass bytes as Renderiq::Image.encoded(bytes)"
      end
      return file(value) if value.is_a?(String) || value.respond_to?(:to_path)

      raise TypeError, "image: must be a file path (String or Pathname) or a Renderiq::Image " \
                       "(Image.file, Image.encoded, Image.raw), got #{value.class}"
    end

    def initialize(kind, data: nil, **fields)
      @kind = kind
      @fields = fields.compact
      @data = data
      freeze
    end
    private_class_method :new

    # @api private
    # The call's +image+ field and the bytes that go beside it.
    def to_call
      [{ kind: @kind }.merge(@fields), @data]
    end

    # Short description without the bytes.
    def inspect
      "#<Renderiq::Image #{@kind} #{@fields.map { |k, v| "#{k}=#{v}" }.join(' ')}#{@data && " #{@data.bytesize} bytes"}>"
    end
  end

  # Keeps the session in a file sealed with a key derived from +passphrase+ (XChaCha20-Poly1305,
  # Argon2id), for machines without an OS keychain. The key is never stored beside the file.
  #
  #   Renderiq::Client.new(..., token_store: Renderiq::EncryptedFileStore.new("~/.renderiq/session", passphrase: pw))
  class EncryptedFileStore
    # @return [String]
    attr_reader :path

    # @param path [String, Pathname] the file (created on sign-in)
    # @param passphrase [String]
    # @raise [TypeError, ArgumentError]
    def initialize(path, passphrase:)
      @path = File.expand_path(Check.string!("token file path", File.path(path)))
      @passphrase = Check.string!("passphrase", passphrase)
      freeze
    end

    # @api private
    def to_config
      { "file" => @path, "passphrase" => @passphrase }
    end

    # The passphrase stays out of logs and consoles.
    def inspect
      "#<Renderiq::EncryptedFileStore #{@path.inspect} passphrase=<redacted>>"
    end
    alias to_s inspect
  end
end
