// `quarry run` leaving out the `docker build` of a context that did not change
// since its last build: the engine's image with the build's key is tagged.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "launcher/local_run.h"
#include "tests/fakes/fake_shell.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

namespace {

struct Context {
  std::string dir = make_temp_dir("quarry-context").value();
  ~Context() { (void)remove_all(dir); }
  void write(const std::string& rel, const std::string& text) {
    BOOST_REQUIRE(write_file_atomic(dir + "/" + rel, text).has_value());
  }
};

// The build key the last `docker build` on `shell` was labelled with.
std::string last_key(const FakeShell& shell) {
  std::string key;
  for (const auto& c : shell.commands()) {
    auto at = c.find("--label quarry.build-key=");
    if (at != std::string::npos) key = c.substr(at + 25, 64);
  }
  return key;
}

std::size_t builds(const FakeShell& shell) {
  std::size_t n = 0;
  for (const auto& c : shell.commands()) n += c.starts_with("docker build ") ? 1 : 0;
  return n;
}

LocalRunRequest built_from(const std::string& dir) {
  Process p;
  p.name = "web";
  p.build = ".";
  p.scale = 1;
  Stack s;
  s.name = "shop";
  s.nodes = {p};
  return LocalRunRequest{s, dir};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_build)

// Before: every `quarry run` gave each build directory a `docker build`,
// which sends the whole context to the engine (about 0.3 s for the hello
// example with every layer cached).
BOOST_AUTO_TEST_CASE(an_unchanged_context_whose_image_is_there_is_not_built_again) {
  Context ctx;
  ctx.write("Dockerfile", "FROM scratch\nCOPY app /app\n");
  ctx.write("app", "old");
  MemoryStore store;
  FakeShell shell;
  shell.on_out("docker image inspect", "sha256:aaa\n");
  LaunchOptions o;
  o.network = "quarry-shop";
  o.drain_ms = 0;
  LocalRunner runner(shell, store, nullptr, o);
  auto first = runner.up(built_from(ctx.dir));
  BOOST_REQUIRE_MESSAGE(first.has_value(), (first ? "" : first.error().message));
  BOOST_TEST(builds(shell) == 1u);
  // The engine now holds that build's image under its key.
  const auto key = last_key(shell);
  BOOST_REQUIRE(!key.empty());
  shell.on_out("label=quarry.build-key=" + key, "sha256:aaa\n");

  BOOST_REQUIRE(runner.up(built_from(ctx.dir)));
  BOOST_TEST(builds(shell) == 1u);  // unchanged: the image of the last build, tagged
  ctx.write("quarry.yml", "name: shop\n");
  BOOST_REQUIRE(runner.up(built_from(ctx.dir)));
  BOOST_TEST(builds(shell) == 1u);  // a file the Dockerfile does not copy

  ctx.write("app", "new");
  BOOST_REQUIRE(runner.up(built_from(ctx.dir)));
  BOOST_TEST(builds(shell) == 2u);  // edited: a new key
  BOOST_TEST(last_key(shell) != key);
}

BOOST_AUTO_TEST_SUITE_END()
