// The content hash of a build context, and `quarry run` skipping the
// `docker build` of a context that did not change since its last build.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "launcher/build_context.h"
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
  std::string hash() {
    auto h = context_hash(dir);
    BOOST_REQUIRE_MESSAGE(h.has_value(), (h ? "" : h.error().message));
    return *h;
  }
};

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

BOOST_AUTO_TEST_SUITE(build_context)

BOOST_AUTO_TEST_CASE(the_hash_changes_with_any_entry_and_only_then) {
  Context a, b;
  for (auto* c : {&a, &b}) {
    c->write("Dockerfile", "FROM scratch\nCOPY app /app\n");
    c->write("src/app", "binary");
  }
  const auto base = a.hash();
  BOOST_TEST(base.size() == 64u);
  BOOST_TEST(b.hash() == base);  // equal trees anywhere
  struct Change {
    const char* what;
    std::function<void(Context&)> apply;
  };
  const Change changes[] = {
      {"edit", [](Context& c) { c.write("src/app", "binary2"); }},
      {"add", [](Context& c) { c.write("src/more", ""); }},
      {"empty dir", [](Context& c) { BOOST_REQUIRE(make_dirs(c.dir + "/empty").has_value()); }},
      {"remove", [](Context& c) { BOOST_REQUIRE(remove_all(c.dir + "/src/app").has_value()); }},
      {"rename", [](Context& c) { BOOST_REQUIRE(std::rename((c.dir + "/src/app").c_str(), (c.dir + "/src/ap").c_str()) == 0); }},
      {"chmod", [](Context& c) { BOOST_REQUIRE(chmod((c.dir + "/src/app").c_str(), 0755) == 0); }},
  };
  for (const auto& change : changes) {
    BOOST_TEST_CONTEXT(change.what) {
      Context c;
      c.write("Dockerfile", "FROM scratch\nCOPY app /app\n");
      c.write("src/app", "binary");
      BOOST_REQUIRE(c.hash() == base);
      change.apply(c);
      BOOST_TEST(c.hash() != base);
    }
  }
  auto missing = context_hash(a.dir + "/nope");
  BOOST_REQUIRE(!missing);
  BOOST_TEST(missing.error().message.find(a.dir + "/nope") != std::string::npos, missing.error().message);
}

// Before: every `quarry run` gave each build directory a `docker build`,
// which sends the whole context to the engine (about 0.3 s for the hello
// example with every layer cached).
BOOST_AUTO_TEST_CASE(an_unchanged_context_whose_image_is_there_is_not_built_again) {
  Context ctx;
  ctx.write("Dockerfile", "FROM scratch\n");
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

  BOOST_REQUIRE(runner.up(built_from(ctx.dir)));
  BOOST_TEST(builds(shell) == 1u);  // unchanged: the image of the last build

  ctx.write("app", "new");
  BOOST_REQUIRE(runner.up(built_from(ctx.dir)));
  BOOST_TEST(builds(shell) == 2u);  // edited

  // The engine no longer holds that image (removed, or the tag moved).
  FakeShell other;
  other.on_out("docker image inspect", "sha256:bbb\n");
  LocalRunner moved(other, store, nullptr, o);
  BOOST_REQUIRE(moved.up(built_from(ctx.dir)));
  BOOST_TEST(builds(other) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
