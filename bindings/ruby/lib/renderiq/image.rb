# frozen_string_literal: true

module Renderiq
  # A viewport capture to render, in one of the forms host apps produce.
  #
  #   Renderiq::Image.file("/tmp/view.png")            # a PNG, JPEG or WebP file
  #   Renderiq::Image.encoded(File.binread("v.jpg"))   # PNG, JPEG or WebP bytes
  #   Renderiq::Image.raw(pixels, width: 640, height: 360, stride: 2576, format: :bgra)
  #
  # +create_render(image:)+ also takes a path (a +String+ or +Pathname+) directly. A +String+ is
  # always a path, never image bytes: wrap bytes with {Image.encoded}.
  #
  # The SDK prepares the image for upload (orientation, down-scaling to 2048 px, JPEG within
  # 10 MiB, metadata stripped) when the render is created.
  class Image
    # Pixel formats of {Image.raw}.
    PIXEL_FORMATS = %i[bgra rgba].freeze

    # @return [Symbol] +:file+, +:encoded+ or +:raw+
    attr_reader :kind
    # @return [String, nil] the file (kind +:file+)
    attr_reader :path
    # @return [String, nil] encoded bytes (+:encoded+) or pixels (+:raw+)
    attr_reader :bytes
    # @return [Integer, nil] width in pixels (+:raw+)
    attr_reader :width
    # @return [Integer, nil] height in pixels (+:raw+)
    attr_reader :height
    # @return [Integer, nil] bytes from one row to the next (+:raw+)
    attr_reader :stride
    # @return [Symbol, nil] +:bgra+ or +:rgba+ (+:raw+)
    attr_reader :format
    # @return [Boolean] the first row in memory is the bottom of the image (+:raw+)
    attr_reader :bottom_up

    # A PNG, JPEG or WebP file, read when the render is created (a missing or unreadable file
    # raises {Renderiq::ImageError} then).
    # @param path [String, Pathname]
    # @return [Image]
    # @raise [TypeError] when +path+ is not a String or Pathname
    # @raise [ArgumentError] when +path+ is empty
    def self.file(path)
      path = path.to_path if path.respond_to?(:to_path)
      raise TypeError, "image path must be a String or Pathname, got #{path.class}" unless path.is_a?(String)
      raise ArgumentError, "image path must not be empty" if path.empty?
      raise ArgumentError, "image path must not contain NUL bytes: pass image bytes with Renderiq::Image.encoded(bytes)" if path.include?("\0")

      path = utf8_path(path)

      new(kind: :file, path: path)
    end

    # PNG, JPEG or WebP bytes.
    # @param bytes [String] binary string
    # @return [Image]
    # @raise [TypeError] when +bytes+ is not a String
    # @raise [ArgumentError] when +bytes+ is empty
    def self.encoded(bytes)
      raise TypeError, "encoded image must be a String of bytes, got #{bytes.class}" unless bytes.is_a?(String)
      raise ArgumentError, "encoded image is empty" if bytes.empty?

      new(kind: :encoded, bytes: bytes)
    end

    # Raw 8-bit pixels with 4 bytes per pixel, as read back from a viewport.
    # @param pixels [String] binary string of at least +stride * (height - 1) + width * 4+ bytes
    # @param width [Integer] pixels per row
    # @param height [Integer] rows
    # @param stride [Integer, nil] bytes from the start of one row to the next; default +width * 4+
    # @param format [Symbol] +:bgra+ (Windows DIBs, SketchUp, Revit) or +:rgba+ (OpenGL)
    # @param bottom_up [Boolean] +true+ when the first row in memory is the bottom row (OpenGL)
    # @return [Image]
    # @raise [TypeError] for arguments of the wrong type
    # @raise [ArgumentError] for sizes that do not fit the buffer, or an unknown format
    def self.raw(pixels, width:, height:, stride: nil, format: :bgra, bottom_up: false)
      raise TypeError, "raw pixels must be a String of bytes, got #{pixels.class}" unless pixels.is_a?(String)

      { width: width, height: height }.each do |name, value|
        raise TypeError, "#{name} must be an Integer, got #{value.class}" unless value.is_a?(Integer)
        raise ArgumentError, "#{name} must be positive, got #{value}" unless value.positive?
      end
      row = width * 4
      stride = row if stride.nil?
      raise TypeError, "stride must be an Integer, got #{stride.class}" unless stride.is_a?(Integer)
      raise ArgumentError, "stride #{stride} is less than width * 4 = #{row}" if stride < row

      needed = (stride * (height - 1)) + row
      if pixels.bytesize < needed
        raise ArgumentError,
              "raw pixels have #{pixels.bytesize} bytes; a #{width}x#{height} image with stride #{stride} needs at least #{needed}"
      end
      format = format.to_sym if format.is_a?(String)
      unless PIXEL_FORMATS.include?(format)
        raise ArgumentError, "unknown pixel format #{format.inspect}: use :bgra or :rgba"
      end
      raise TypeError, "bottom_up must be true or false, got #{bottom_up.inspect}" unless [true, false].include?(bottom_up)

      new(kind: :raw, bytes: pixels, width: width, height: height, stride: stride, format: format, bottom_up: bottom_up)
    end

    # @api private
    # +path+ as UTF-8 (the libraries take UTF-8 paths; Ruby gives paths in the filesystem's
    # encoding, which is UTF-8 on current Rubies).
    def self.utf8_path(path)
      utf8 =
        if [Encoding::UTF_8, Encoding::BINARY, Encoding::US_ASCII].include?(path.encoding)
          path.dup.force_encoding(Encoding::UTF_8)
        else
          begin
            path.encode(Encoding::UTF_8)
          rescue EncodingError
            raise ArgumentError, "image path #{path.inspect} cannot be converted to UTF-8"
          end
        end
      raise ArgumentError, "image path must be valid UTF-8" unless utf8.valid_encoding?

      utf8
    end

    # @api private
    # The +image:+ argument of +create_render+ as an Image.
    # @raise [TypeError, ArgumentError]
    def self.coerce(value)
      case value
      when Image then value
      when String
        if value.encoding == Encoding::BINARY && (value.include?("\0") || value.start_with?("\x89PNG".b, "\xFF\xD8".b, "RIFF".b))
          raise ArgumentError,
                "image: got a binary String that looks like image data; a String is a file path, " \
                "pass bytes as Renderiq::Image.encoded(bytes)"
        end
        file(value)
      else
        return file(value) if value.respond_to?(:to_path)

        raise TypeError,
              "image: must be a file path (String or Pathname) or a Renderiq::Image " \
              "(Image.file, Image.encoded, Image.raw), got #{value.class}"
      end
    end

    def initialize(kind:, path: nil, bytes: nil, width: nil, height: nil, stride: nil, format: nil, bottom_up: false)
      @kind = kind
      @path = path
      @bytes = bytes
      @width = width
      @height = height
      @stride = stride
      @format = format
      @bottom_up = bottom_up
      freeze
    end
    private_class_method :new

    # Short description without the bytes.
    def inspect
      case kind
      when :file then "#<Renderiq::Image file #{path.inspect}>"
      when :encoded then "#<Renderiq::Image encoded #{bytes.bytesize} bytes>"
      else "#<Renderiq::Image raw #{width}x#{height} #{format} stride=#{stride}#{bottom_up ? ' bottom-up' : ''}>"
      end
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
      path = path.to_path if path.respond_to?(:to_path)
      raise TypeError, "token file path must be a String or Pathname, got #{path.class}" unless path.is_a?(String)
      raise TypeError, "passphrase must be a String, got #{passphrase.class}" unless passphrase.is_a?(String)
      raise ArgumentError, "token file path must not be empty" if path.empty?
      raise ArgumentError, "passphrase must not be empty" if passphrase.empty?

      path = Check.string!("token file path", path)
      passphrase = Check.string!("passphrase", passphrase)

      @path = File.expand_path(path)
      @passphrase = passphrase
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
