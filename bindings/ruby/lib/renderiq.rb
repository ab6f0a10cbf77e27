# frozen_string_literal: true

# The Renderiq SDK for Ruby: AI renders of viewport captures for design-tool plugins
# (SketchUp first). See {Renderiq::Client}.
#
# Two interchangeable backends run the Rust SDK underneath: a native extension, and the C
# library through Fiddle for Rubies no precompiled extension fits (SketchUp for Windows).
# {Renderiq.backend} says which is active.
module Renderiq
end

require "time"
require_relative "renderiq/version"
require_relative "renderiq/generated"
require_relative "renderiq/errors"
require_relative "renderiq/check"
require_relative "renderiq/models"
require_relative "renderiq/image"
require_relative "renderiq/backend"
require_relative "renderiq/operation"
require_relative "renderiq/calls"
require_relative "renderiq/webhook"
require_relative "renderiq/client"

# Load the backend now, so that a missing library is reported by `require "renderiq"`.
Renderiq::Backend.current
