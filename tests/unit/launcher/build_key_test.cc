// Build keys: what a Dockerfile starts from, the digest of a context, and
// the builder reusing an image whose key matches instead of building.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "core/file_io.h"
#include "launcher/build_key.h"
#include "launcher/image_builder.h"
#include "tests/fakes/fake_shell.h"

using namespace quarry;

namespace {

struct Context {
  std::string dir = make_temp_dir("quarry-build-key").value();
  Context() {
    (void)write_file_atomic(dir + "/Dockerfile", "FROM quarry-bench/node:20\nCOPY . /app\n");
    (void)write_file_atomic(dir + "/lib/a.js", "console.log(1)\n");
  }
  ~Context() { remove_all(dir); }
  std::string digest() const { return context_digest(dir).value(); }
};

Process built(const std::string& name) {
  Process p;
  p.name = name;
  p.build = ".";
  return p;
}

std::string label_of(const FakeShell& engine) {
  for (const auto& c : engine.commands()) {
    auto at = c.find("--label quarry.build-key=");
    if (at != std::string::npos) return c.substr(at + 25, 64);
  }
  return "";
}

// api of stack shop built on `engine`, which has quarry-bench/node:20 as
// `base_id`, an image of the same key as `earlier` (none when empty), and
// names what it builds sha256:built.
Result<BuiltImage> build_api(FakeShell& engine, const Context& c, const std::string& base_id,
                             const std::string& earlier, const std::string& release) {
  engine.on_out("inspect --format '{{.Id}}' quarry-bench/node:20", base_id + "\n");
  if (!earlier.empty()) engine.on_out("docker image ls", earlier + "\n");
  engine.on_out("docker image inspect", "sha256:built\n");
  ImageBuilder builder(engine);
  return builder.build("shop", built("api"), c.dir, release);
}

std::size_t count(const FakeShell& shell, const std::string& part) {
  std::size_t n = 0;
  for (const auto& c : shell.commands()) n += c.find(part) != std::string::npos;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(build_keys)

BOOST_AUTO_TEST_CASE(base_images_are_the_from_lines_without_stages_and_scratch) {
  auto b = dockerfile_inputs(
      "# syntax comment\n"
      "FROM --platform=linux/amd64 quarry-bench/node:20 AS deps\n"
      "RUN make \\\n  all\n"
      "from deps as build\n"
      "FROM scratch\n"
      "COPY --from=build /out /out\n"
      "COPY --from=0 /x /x\n"
      "COPY --chown=1:1 --from=tools:1 /bin/t /t\n"
      "FROM quarry-bench/node:20\n");
  std::vector<std::string> want = {"quarry-bench/node:20", "tools:1"};
  BOOST_TEST(b.base_refs == want, boost::test_tools::per_element());
  BOOST_TEST(!b.dynamic);
  BOOST_TEST(b.sources.empty());
  BOOST_TEST(!b.whole_context);
  BOOST_TEST(dockerfile_inputs("ARG V=1\nFROM base:${V}\n").dynamic);
  BOOST_TEST(dockerfile_inputs("FROM scratch\nCOPY hello /hello\n").base_refs.empty());
}

BOOST_AUTO_TEST_CASE(sources_are_what_copy_and_add_take_from_the_context) {
  auto b = dockerfile_inputs(
      "FROM quarry-bench/node:20\n"
      "COPY package.json ./server.js /app/\n"
      "COPY node_modules/ /app/node_modules\n"
      "ADD [\"static dir\", \"/srv\"]\n"
      "COPY --chown=1:1 stamp /stamp\n");
  std::vector<std::string> want = {"package.json", "server.js", "node_modules", "static dir", "stamp"};
  BOOST_TEST(b.sources == want, boost::test_tools::per_element());
  BOOST_TEST(!b.whole_context);
  for (const char* all : {"COPY . /app\n", "COPY *.js /app/\n", "ADD https://x/y.tgz /y\n", "COPY ../up /u\n",
                          "RUN --mount=type=bind,target=/src make\n", "COPY <<EOF /f\n"}) {
    BOOST_TEST(dockerfile_inputs(std::string("FROM scratch\n") + all).whole_context, all);
  }
  BOOST_TEST(dockerfile_inputs("FROM scratch\nARG F=a\nCOPY $F /f\n").dynamic);
}

BOOST_AUTO_TEST_CASE(only_the_copied_sources_count_when_the_dockerfile_names_them) {
  Context c;
  (void)write_file_atomic(c.dir + "/quarry.yml", "env: {GREETING: one}\n");
  std::vector<std::string> lib = {"lib"};
  auto before = context_digest(c.dir, lib).value();
  auto all_before = context_digest(c.dir).value();
  (void)write_file_atomic(c.dir + "/quarry.yml", "env: {GREETING: two}\n");
  BOOST_TEST(context_digest(c.dir, lib).value() == before);  // the manifest is not copied
  BOOST_TEST(context_digest(c.dir).value() != all_before);
  (void)write_file_atomic(c.dir + "/Dockerfile", "FROM quarry-bench/node:20\nCOPY lib /app\n");
  BOOST_TEST(context_digest(c.dir, lib).value() != before);  // the Dockerfile always counts
  auto with_dockerfile = context_digest(c.dir, lib).value();
  (void)write_file_atomic(c.dir + "/lib/deep/x.js", "x\n");
  BOOST_TEST(context_digest(c.dir, lib).value() != with_dockerfile);
  std::vector<std::string> missing = {"nothing-here"};
  BOOST_TEST(context_digest(c.dir, missing).value() != context_digest(c.dir, std::vector<std::string>{}).value());
}

BOOST_AUTO_TEST_CASE(the_digest_follows_every_byte_path_mode_and_link) {
  Context c;
  auto first = c.digest();
  BOOST_TEST(first.size() == 64u);
  BOOST_TEST(c.digest() == first);  // the same bytes, the same digest
  (void)write_file_atomic(c.dir + "/lib/a.js", "console.log(2)\n");
  auto edited = c.digest();
  BOOST_TEST(edited != first);
  BOOST_REQUIRE(chmod((c.dir + "/lib/a.js").c_str(), 0755) == 0);
  auto executable = c.digest();
  BOOST_TEST(executable != edited);
  BOOST_REQUIRE(rename((c.dir + "/lib/a.js").c_str(), (c.dir + "/lib/b.js").c_str()) == 0);
  auto moved = c.digest();
  BOOST_TEST(moved != executable);
  BOOST_REQUIRE(symlink("b.js", (c.dir + "/lib/c.js").c_str()) == 0);
  BOOST_TEST(c.digest() != moved);
}

BOOST_AUTO_TEST_CASE(a_key_names_its_stack_process_and_base_image_ids) {
  std::string d(64, 'a');
  auto k = build_key("shop", "api", d, {"node:20=sha256:1"});
  BOOST_TEST(build_key("shop", "api", d, {"node:20=sha256:1"}) == k);
  BOOST_TEST(build_key("shop", "worker", d, {"node:20=sha256:1"}) != k);
  BOOST_TEST(build_key("blog", "api", d, {"node:20=sha256:1"}) != k);
  BOOST_TEST(build_key("shop", "api", d, {"node:20=sha256:2"}) != k);
}

BOOST_AUTO_TEST_CASE(a_first_build_is_labelled_with_its_key) {
  Context c;
  FakeShell engine;
  auto img = build_api(engine, c, "sha256:node1", "", "1");
  BOOST_REQUIRE_MESSAGE(img.has_value(), (img ? "" : img.error().message));
  BOOST_TEST(!img->reused);
  BOOST_TEST(img->id == "sha256:built");
  BOOST_TEST(count(engine, "docker build") == 1u);
  BOOST_TEST(label_of(engine) == build_key("shop", "api", c.digest(), {"quarry-bench/node:20=sha256:node1"}));
  BOOST_TEST(count(engine, "docker image ls --no-trunc --filter label=quarry.build-key=" + label_of(engine) +
                               " --filter 'reference=quarry/shop_api:*'") == 1u);
}

BOOST_AUTO_TEST_CASE(an_image_with_the_same_key_is_tagged_for_the_release_and_nothing_is_built) {
  Context c;
  FakeShell engine;
  auto img = build_api(engine, c, "sha256:node1", "sha256:earlier", "7");
  BOOST_REQUIRE_MESSAGE(img.has_value(), (img ? "" : img.error().message));
  BOOST_TEST(img->reused);
  BOOST_TEST(img->id == "sha256:earlier");
  BOOST_TEST(img->tag == "quarry/shop_api:r7");
  BOOST_TEST(count(engine, "docker build") == 0u);
  BOOST_TEST(count(engine, "docker tag sha256:earlier quarry/shop_api:r7") == 1u);
}

BOOST_AUTO_TEST_CASE(a_new_base_image_changes_the_key) {
  Context c;
  std::string keys[2];
  for (int i = 0; i < 2; ++i) {
    FakeShell engine;
    BOOST_REQUIRE(build_api(engine, c, "sha256:node" + std::to_string(i), "", "1").has_value());
    keys[i] = label_of(engine);
  }
  BOOST_TEST(!keys[0].empty());
  BOOST_TEST(keys[0] != keys[1]);
}

BOOST_AUTO_TEST_CASE(a_base_image_named_through_an_arg_is_always_built) {
  Context c;
  (void)write_file_atomic(c.dir + "/Dockerfile", "ARG TAG=20\nFROM quarry-bench/node:$TAG\n");
  FakeShell engine;
  engine.on_out("docker image ls", "sha256:earlier\n");
  engine.on_out("docker image inspect", "sha256:built\n");
  ImageBuilder builder(engine);
  auto img = builder.build("shop", built("api"), c.dir, "2");
  BOOST_REQUIRE(img.has_value());
  BOOST_TEST(!img->reused);
  BOOST_TEST(count(engine, "docker image ls") == 0u);
  BOOST_TEST(count(engine, "docker build") == 1u);
  BOOST_TEST(label_of(engine).empty());
}

BOOST_AUTO_TEST_SUITE_END()
