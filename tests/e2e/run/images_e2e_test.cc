// `quarry images load|ls` end to end: the built binary against a private
// docker engine (DockerLab) standing in for the HQ build engine
// (QUARRY_BUILD_DOCKER_HOST). The image is examples/hello built there, saved
// to a tarball and removed, so that the engine has it only by loading it.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/text.h"
#include "tests/e2e/run/docker_lab.h"

using namespace quarry;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

const char* const kImage = "quarry-test/base:1";

struct Lab {
  std::unique_ptr<DockerLab> lab;
  std::string bin = env_or("QUARRY_BIN", "quarry");
  std::string tar;

  Lab() {
    auto started = DockerLab::start("quarry-images");
    BOOST_REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error().message));
    lab = std::move(*started);
    std::string app = lab->dir() + "/app";
    std::string src = env_or("QUARRY_SOURCE_DIR", ".") + "/examples/hello";
    BOOST_REQUIRE(make_dirs(app).has_value());
    auto bin_text = read_file(src + "/hello");
    BOOST_REQUIRE_MESSAGE(bin_text.has_value(), "examples/hello/hello is missing: build the `hello` target");
    BOOST_REQUIRE(write_file_atomic(app + "/hello", *bin_text, 0755).has_value());
    BOOST_REQUIRE(write_file_atomic(app + "/Dockerfile", read_file(src + "/Dockerfile").value()).has_value());
    tar = lab->dir() + "/base.tar";
    lab->docker({"build", "--quiet", "--tag", kImage, app});
    lab->docker({"save", "-o", tar, kImage});
    lab->docker({"image", "rm", kImage});
    BOOST_REQUIRE_MESSAGE(path_exists(tar), "docker save wrote no tarball");
  }

  // quarry with the lab's engine as the HQ build engine; `input` on stdin.
  ProcessResult quarry(const Argv& args, const std::string& input = "") const {
    Argv argv = {"env", "QUARRY_BUILD_DOCKER_HOST=" + lab->docker_host(), bin, "--home", lab->dir() + "/home"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (input.empty()) return lab->run(argv);
    // The tarball through a pipe, as `docker save IMAGE | quarry images load -`.
    return lab->run({"sh", "-c", "cat \"$0\" | \"$@\"", input, "env",
                     "QUARRY_BUILD_DOCKER_HOST=" + lab->docker_host(), bin, "--home", lab->dir() + "/home", "images",
                     "load", "-"});
  }

  bool engine_has(const std::string& ref) const {
    auto ls = quarry({"images", "ls", "--json"});
    BOOST_REQUIRE_MESSAGE(ls.exit_code == 0, ls.err);
    auto j = nlohmann::json::parse(ls.out);
    for (const auto& i : j)
      if (i.value("image", "") == ref && starts_with(i.value("id", ""), "sha256:")) return true;
    return false;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(images_e2e)

BOOST_AUTO_TEST_CASE(load_a_file_then_stdin_then_refuse_a_bad_one) {
  Lab l;
  BOOST_TEST(!l.engine_has(kImage));

  auto loaded = l.quarry({"images", "load", l.tar});
  BOOST_TEST_REQUIRE(loaded.exit_code == 0, loaded.out + loaded.err);
  BOOST_TEST(loaded.out.find(kImage) != std::string::npos);
  BOOST_TEST(l.engine_has(kImage));
  auto table = l.quarry({"images", "ls"});
  BOOST_TEST(table.out.find("IMAGE") != std::string::npos);
  BOOST_TEST(table.out.find(kImage) != std::string::npos);

  l.lab->docker({"image", "rm", kImage});
  BOOST_TEST(!l.engine_has(kImage));
  auto piped = l.quarry({}, l.tar);
  BOOST_TEST_REQUIRE(piped.exit_code == 0, piped.out + piped.err);
  BOOST_TEST(l.engine_has(kImage));

  // Not a tarball: a user error naming the file, nothing loaded.
  std::string bad = l.lab->dir() + "/not-an-image.tar";
  BOOST_REQUIRE(write_file_atomic(bad, "hello\n").has_value());
  auto refused = l.quarry({"images", "load", bad});
  BOOST_TEST(refused.exit_code == 1);
  BOOST_TEST(refused.err.find(bad + " could not be loaded into the HQ build engine") != std::string::npos, refused.err);
  auto missing = l.quarry({"images", "load", l.lab->dir() + "/nope.tar"});
  BOOST_TEST(missing.exit_code == 1);
  BOOST_TEST(missing.err.find("no such file") != std::string::npos, missing.err);
}

BOOST_AUTO_TEST_SUITE_END()
