# frozen_string_literal: true

require_relative "test_helper"

# The end-to-end scenario every binding runs against the reference server.
class ScenarioTest < Minitest::Test
  def test_full_scenario_signs_in_renders_every_image_kind_waits_and_downloads
    email, password = server.add_user(credits: 200)
    client = client_for(server)
    refute client.signed_in?
    assert_equal "ok", client.health.status

    user = client.sign_in(email, password)
    assert_equal email, user.email
    assert_kind_of Time, user.created_at
    assert client.signed_in?
    assert_equal user.id, client.me.id
    assert_equal 200, client.credits.balance

    # From a file path (String), a Pathname, encoded bytes and raw BGRA pixels with padded rows.
    stride = (160 * 4) + 48
    images = [
      png_file,
      Pathname.new(png_file),
      Renderiq::Image.encoded(png(200, 120)),
      Renderiq::Image.raw(TestPNG.bgra(160, 90, stride), width: 160, height: 90, stride: stride, format: :bgra)
    ]
    stages = []
    renders = images.map do |image|
      render = client.create_render(image: image, prompt: "dusk, warm light", style: :clay, quality: :standard,
                                    aspect_ratio: "4:3") { |p| stages << p.stage }
      assert_kind_of Renderiq::Render, render
      assert_includes %i[pending processing], render.status
      assert_equal "clay", render.style
      assert_equal :standard, render.quality
      assert_equal :other, render.platform, "a client that names no platform is :other, as in every language"
      assert_equal 5, render.credits_cost
      render
    end
    assert(stages.all? { |s| %i[preparing uploading pending processing].include?(s) }, stages.inspect)

    progress = []
    done = client.wait_for_render(renders.last, timeout: 60) { |p| progress << p }
    assert done.completed?
    refute done.failed?
    assert done.finished?
    assert_match(%r{\Ahttps?://}, done.output_url)
    refute_empty progress
    assert(progress.all? { |p| p.is_a?(Renderiq::Progress) })
    assert_equal :completed, progress.last.render.status
    assert_equal 100, progress.last.percent

    renders[0...-1].each { |r| assert client.wait_for_render(r.id).completed? }

    bytes = client.download_render(done)
    assert_equal Encoding::BINARY, bytes.encoding
    assert bytes.bytesize > 100
    path = File.join(Dir.tmpdir, "renderiq-ruby-out-#{Process.pid}.img")
    assert_equal bytes.bytesize, client.download_render(done.id, Pathname.new(path))
    assert_equal bytes, File.binread(path)
    File.delete(path)

    assert_equal 180, client.credits.balance
    # Links are signed afresh on every read (their expiry moves with the clock): compare the rest.
    unsigned = ->(r) { r.to_h.merge(input_url: r.input_url&.split("?")&.first, output_url: r.output_url&.split("?")&.first) }
    assert_equal unsigned.(done), unsigned.(client.retrieve_render(done.id))
  end

  def test_renders_enumerates_every_page_lazily
    client = signed_in_client
    ids = Array.new(3) { client.create_render(image: png_file, quality: :standard).id }
    enum = client.renders(per_page: 2)
    assert_kind_of Enumerator, enum
    assert_equal ids.reverse, enum.map(&:id)
    assert_equal ids.reverse.first(1), client.renders(per_page: 1).first(1).map(&:id)
    page = client.list_renders(page: 1, limit: 2)
    assert_equal 2, page.items.size
    assert page.has_more?
    assert_equal 3, page.total
    ids.each { |id| client.wait_for_render(id) }
    assert_equal 3, client.renders(status: :completed).count
    assert_equal 0, client.renders(status: :failed).count
  end

  def test_projects_credits_settings_keys_and_webhooks
    client = signed_in_client(credits: 50)
    project = client.create_project("Lake house", description: "north facade")
    assert_equal "Lake house", project.name
    refute_empty project.slug
    assert_equal [project.id], client.projects.map(&:id)

    render = client.create_render(image: png_file, project_id: project.id, quality: :standard)
    assert_equal project.id, render.project_id
    assert_equal [render.id], client.renders(project_id: project.id).map(&:id)

    ledger = client.credit_transactions(limit: 10)
    assert_equal %i[spend grant], ledger.items.map(&:type)
    assert_equal 45, ledger.items.first.balance_after
    assert_equal Renderiq::Credits.new(balance: 45, total_earned: 50, total_spent: 5), client.credits

    settings = client.update_settings(default_style: :watercolor, default_quality: :ultra, notify_on_complete: false)
    assert_equal "watercolor", settings.default_style
    assert_equal :ultra, settings.default_quality
    refute settings.notify_on_complete
    assert_equal settings, client.settings

    created = client.create_api_key("ci", scopes: %w[renders:read credits:read], expires_at: Time.now + 3600)
    assert created.key.start_with?("rq_")
    refute_includes created.inspect, created.key
    assert_equal %w[renders:read credits:read].sort, created.api_key.scopes.sort
    assert_equal [created.api_key.id], client.api_keys.map(&:id)

    key_client = client_for(server, api_key: created.key)
    assert key_client.signed_in?
    assert_equal 45, key_client.credits.balance
    other = client_for(server)
    other.api_key = created.key
    assert_equal render.id, other.retrieve_render(render.id).id

    client.revoke_api_key(created.api_key)
    assert_empty client.api_keys
    assert_raises(Renderiq::AuthError) { key_client.credits }

    hook = client.register_webhook("http://127.0.0.1:9/hook", events: %w[render.completed])
    assert hook.secret.start_with?("whsec_")
    refute_includes hook.inspect, hook.secret
    assert_equal ["http://127.0.0.1:9/hook"], client.webhooks.map(&:url)
    client.delete_webhook(hook.webhook.id)
    assert_empty client.webhooks

    client.sign_out
    refute client.signed_in?
    assert_raises(Renderiq::AuthError) { client.me }
  end

  def test_encrypted_file_store_keeps_the_session_between_clients
    email, password = server.add_user
    path = File.join(Dir.tmpdir, "renderiq-ruby-session-#{Process.pid}-#{rand(1 << 30)}")
    store = Renderiq::EncryptedFileStore.new(path, passphrase: "correct horse")
    refute_includes store.inspect, "correct horse"
    client_for(server, token_store: store).sign_in(email, password)
    assert File.exist?(path)
    refute_includes File.binread(path), email

    again = client_for(server, token_store: Renderiq::EncryptedFileStore.new(path, passphrase: "correct horse"))
    assert again.signed_in?
    assert_equal email, again.me.email
  ensure
    File.delete(path) if path && File.exist?(path)
  end

  def test_same_results_as_plain_objects
    client = signed_in_client
    render = client.create_render(image: png_file, prompt: "x")
    assert render.frozen?
    wire = render.to_wire
    assert_equal render.id, wire["id"]
    assert_equal "pending", wire["status"]
    assert_equal render, Renderiq::Render.from_wire(JSON.parse(JSON.generate(wire)))
  end
end
