# frozen_string_literal: true

require "json"

module Renderiq
  # @api private
  # Turning Ruby arguments into the core's call JSON. Only what JSON cannot carry is checked
  # here (a non-String where a String goes, text that is not UTF-8); every value rule is the
  # core's.
  module Check
    module_function

    # A String (or Symbol) as valid UTF-8 without NUL bytes.
    def string!(name, value)
      value = value.to_s if value.is_a?(Symbol)
      raise TypeError, "#{name} must be a String, got #{value.class}" unless value.is_a?(String)

      utf8 = value.dup.force_encoding(Encoding::UTF_8)
      raise ArgumentError, "#{name} must be valid UTF-8 text" unless utf8.valid_encoding?
      raise ArgumentError, "#{name} must not contain NUL bytes" if utf8.include?("\0")

      utf8
    end

    # Seconds as whole milliseconds (the core checks the value); nil stays nil.
    def millis(seconds)
      seconds.is_a?(Numeric) && seconds.to_f.finite? && !seconds.negative? ? (seconds * 1000).ceil : seconds
    end

    # Keyword arguments as the core's camelCase fields, nil values left out.
    def camel(hash)
      hash.compact.transform_keys { |k| k.to_s.gsub(/_([a-z])/) { Regexp.last_match(1).upcase } }
    end

    # The call's JSON, nil values left out; text that is not UTF-8 is an ArgumentError.
    def json(call)
      JSON.generate(call.compact)
    rescue JSON::GeneratorError, Encoding::UndefinedConversionError => e
      raise ArgumentError, "the call cannot be sent as JSON (#{e.message}): pass UTF-8 text"
    end
  end
end
