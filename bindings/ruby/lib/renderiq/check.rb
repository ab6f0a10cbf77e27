# frozen_string_literal: true

module Renderiq
  # @api private
  # Argument checks of the public API: a wrong type raises TypeError, a wrong value
  # ArgumentError, each naming the argument, before anything reaches a backend.
  module Check
    module_function

    # A String (Symbols too when +symbol+), valid UTF-8, returned as a String.
    def string!(name, value, symbol: false, empty: false)
      value = value.to_s if symbol && value.is_a?(Symbol)
      unless value.is_a?(String)
        raise TypeError, "#{name} must be a String#{symbol ? ' or Symbol' : ''}, got #{value.class}"
      end

      utf8 = value.encoding == Encoding::UTF_8 ? value : value.dup.force_encoding(Encoding::UTF_8)
      raise ArgumentError, "#{name} must be valid UTF-8 text" unless utf8.valid_encoding?
      raise ArgumentError, "#{name} must not contain NUL bytes" if utf8.include?("\0")
      raise ArgumentError, "#{name} must not be empty" if !empty && utf8.strip.empty?

      utf8
    end

    # Like {string!}, nil allowed.
    def optional_string!(name, value, symbol: false)
      value.nil? ? nil : string!(name, value, symbol: symbol)
    end

    # One of +allowed+ (Symbols), given as a Symbol or String; returned as a String.
    def choice!(name, value, allowed)
      unless value.is_a?(Symbol) || value.is_a?(String)
        raise TypeError, "#{name} must be a Symbol or String, got #{value.class}"
      end
      unless allowed.include?(value.to_sym)
        raise ArgumentError, "unknown #{name} #{value.inspect}: use one of #{allowed.map(&:inspect).join(', ')}"
      end

      value.to_s
    end

    # Positive seconds as whole milliseconds (at most what the C ABI's uint32 holds).
    def millis!(name, seconds)
      raise TypeError, "#{name} must be a number of seconds, got #{seconds.class}" unless seconds.is_a?(Numeric)
      unless seconds.positive? && seconds.to_f.finite?
        raise ArgumentError, "#{name} must be a positive number of seconds, got #{seconds}"
      end

      [(seconds * 1000).ceil, 0xFFFF_FFFE].min
    end

    # A positive Integer.
    def positive_integer!(name, value, max: 0xFFFF_FFFF)
      raise TypeError, "#{name} must be an Integer, got #{value.class}" unless value.is_a?(Integer)
      raise ArgumentError, "#{name} must be between 1 and #{max}, got #{value}" unless value.between?(1, max)

      value
    end

    # An Array of Strings/Symbols, as Strings.
    def strings!(name, values)
      raise TypeError, "#{name} must be an Array of Strings, got #{values.class}" unless values.is_a?(Array)

      values.each_with_index.map { |v, i| string!("#{name}[#{i}]", v, symbol: true) }
    end
  end
end
