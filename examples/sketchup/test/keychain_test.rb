# frozen_string_literal: true

require_relative "test_helper"

# The extension keeps its session in the OS keychain (token_store: :keychain). On Linux that is
# the Secret Service: scripts/test-ruby.sh runs the suites on a throwaway one
# (scripts/with-keyring.sh) and sets RENDERIQ_TEST_KEYCHAIN=1.
class KeychainTest < Minitest::Test
  def test_the_session_survives_a_restart_of_the_extension_in_the_keychain
    unless ENV["RENDERIQ_TEST_KEYCHAIN"] == "1"
      message = "set RENDERIQ_TEST_KEYCHAIN=1 (scripts/test-ruby.sh runs this on a throwaway keyring)"
      # CI must test the keychain for real: there a missing keyring is a failure, not a skip.
      flunk "CI is set but the keychain test has no keyring: #{message}" if ENV.fetch("CI", "").match?(/\A(1|true|yes)\z/i)
      skip message
    end

    server = render_server
    email, password = server.add_user
    first = new_client(server, token_store: :keychain)
    first.sign_out # start from an empty entry
    first.sign_in(email, password)

    # SketchUp restarted: a new client with nothing in memory finds the session.
    again = new_client(server, token_store: :keychain)
    assert again.signed_in?
    assert_equal email, again.me.email

    again.sign_out
    refute new_client(server, token_store: :keychain).signed_in?
  end
end
