# frozen_string_literal: true

require_relative "test_helper"
require_relative "../tools/pack_rbz"
require "open3"
require "rbconfig"

# The .rbz builds and holds what SketchUp loads: the loader, the extension folder, the gem and
# its native libraries; extracted, it registers and loads with the binding from its own folder.
class PackRbzTest < Minitest::Test
  ROOT = File.expand_path("../../..", __dir__)

  # Built libraries that are not in bindings/ruby/lib/renderiq yet.
  def extra_libs
    gem_dir = File.join(RbzPacker::GEM_LIB, "renderiq")
    %w[renderiq_native.so librenderiq.so].filter_map do |name|
      next if File.exist?(File.join(gem_dir, name))

      built = File.join(ROOT, "target", "debug", name.sub("renderiq_native.so", "librenderiq_native.so"))
      built if File.exist?(built) # Cargo's names: the packer renames the extension
    end
  end

  def test_the_rbz_contains_the_loader_the_folder_and_the_native_libraries_and_loads
    out = File.join(work_dir, "renderiq_sketchup.rbz")
    strip = system("strip --version", out: File::NULL, err: File::NULL)
    names = RbzPacker.pack(out: out, libs: extra_libs, strip: strip)
    entries = RbzPacker::Zip.read(out)
    assert_equal names.sort, entries.keys.sort

    %w[renderiq_sketchup.rb renderiq_sketchup/main.rb renderiq_sketchup/render_controller.rb
       renderiq_sketchup/dialog_bridge.rb renderiq_sketchup/dialog.html renderiq_sketchup/icons/renderiq.svg
       renderiq_sketchup/vendor/renderiq/lib/renderiq.rb renderiq_sketchup/vendor/renderiq/lib/renderiq/client.rb
       renderiq_sketchup/vendor/renderiq/lib/renderiq/backend/native.rb
       renderiq_sketchup/vendor/renderiq/lib/renderiq/backend/fiddle.rb
       renderiq_sketchup/vendor/renderiq/lib/renderiq/renderiq_native.so
       renderiq_sketchup/vendor/renderiq/lib/renderiq/librenderiq.so].each do |name|
      assert entries.key?(name), "#{name} is missing from the .rbz: #{entries.keys.inspect}"
    end
    refute(entries.keys.any? { |n| n.include?("/test/") || n.end_with?(".rbz") })
    assert_equal File.binread(File.join(RbzPacker::EXAMPLE, "renderiq_sketchup.rb")), entries["renderiq_sketchup.rb"]
    assert entries["renderiq_sketchup/vendor/renderiq/lib/renderiq/librenderiq.so"].start_with?("\x7FELF".b)
    # An independent reader: Info-ZIP's unzip tests every entry's CRC (scripts/test-ruby.sh
    # installs it).
    assert system("unzip -v", out: File::NULL, err: File::NULL), "unzip is needed to check the .rbz: install it"
    listing, status = Open3.capture2e("unzip", "-t", out)
    assert status.success?, "unzip -t rejects the .rbz:\n#{listing}"
    names.each { |name| assert_includes listing, "testing: #{name} ", "unzip -t did not test #{name}" }

    # Install as Extension Manager does (extract into Plugins), then load as SketchUp does.
    plugins = File.join(work_dir, "Plugins")
    entries.each do |name, data|
      path = File.join(plugins, name)
      FileUtils.mkdir_p(File.dirname(path))
      File.binwrite(path, data)
    end
    script = <<~RUBY
      require #{File.join(plugins, 'renderiq_sketchup.rb').inspect}
      extension, load = Sketchup.extensions.first
      abort "not registered" unless extension && load
      require File.join(#{plugins.inspect}, extension.path)
      abort "load error: \#{Renderiq::SketchUpPlugin::LOAD_ERROR.message}" if Renderiq::SketchUpPlugin::LOAD_ERROR
      puts extension.name
      puts Renderiq.backend
      puts $LOADED_FEATURES.grep(%r{/renderiq/client\\.rb\\z}).first
      puts(Renderiq.backend == :fiddle ? Renderiq::Backend.current.path : $LOADED_FEATURES.grep(/renderiq_native/).first)
      puts UI.menu_items.size
    RUBY
    env = { "RENDERIQ_LIBRARY_PATH" => nil } # the library must come from the extension's folder
    output, status = Open3.capture2e(env, RbConfig.ruby, "-I", File.join(__dir__, "support", "fake_lib"), "-e", script)
    assert status.success?, output
    name, backend, client_rb, library, menu_items = output.lines.map(&:strip)
    assert_equal "Renderiq AI Render", name
    assert_equal Renderiq.backend.to_s, backend
    assert client_rb.start_with?(plugins), client_rb
    assert library.start_with?(plugins), library
    assert_equal "1", menu_items
  end

  def test_packing_without_any_native_library_is_refused
    Dir.mktmpdir do |empty_lib|
      FileUtils.cp_r(File.join(RbzPacker::GEM_LIB, "."), empty_lib)
      Dir.glob(File.join(empty_lib, "renderiq", "**", "*.{so,bundle,dll,dylib}")).each { |f| File.delete(f) }
      RbzPacker.send(:remove_const, :GEM_LIB)
      RbzPacker.const_set(:GEM_LIB, empty_lib)
      error = assert_raises(ArgumentError) { RbzPacker.pack(out: File.join(work_dir, "x.rbz")) }
      assert_match(/no native library/, error.message)
    ensure
      RbzPacker.send(:remove_const, :GEM_LIB)
      RbzPacker.const_set(:GEM_LIB, File.expand_path("../../../bindings/ruby/lib", __dir__))
    end
  end
end
