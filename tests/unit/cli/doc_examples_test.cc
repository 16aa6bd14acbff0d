// Every example manifest a user may copy passes `quarry check`: each ```yaml
// block of docs/*.md and README.md (the docs mark only whole manifests as
// yaml), and every examples/*/quarry.yml. Runs the built binary.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"

using namespace quarry;

namespace {

std::string source_dir() {
  const char* s = std::getenv("QUARRY_SOURCE_DIR");
  return s ? s : ".";
}

struct Example {
  std::string where;  // "docs/manifest.md:8"
  std::string text;
};

// The ```yaml blocks of one markdown file, with the line each starts on.
std::vector<Example> yaml_blocks(const std::string& rel) {
  std::vector<Example> out;
  auto text = read_file(source_dir() + "/" + rel);
  BOOST_REQUIRE_MESSAGE(text.has_value(), rel + " cannot be read");
  bool in = false;
  int n = 0;
  Example cur;
  for (const auto& line : split_lines(*text)) {
    ++n;
    auto t = trim(line);
    if (!in && t == "```yaml") {
      in = true;
      cur = {rel + ":" + std::to_string(n), ""};
    } else if (in && starts_with(t, "```")) {
      in = false;
      out.push_back(cur);
    } else if (in) {
      cur.text += line + "\n";
    }
  }
  BOOST_TEST_MESSAGE(rel << ": " << out.size() << " yaml block(s)");
  return out;
}

std::vector<Example> all_examples() {
  std::vector<Example> out;
  std::vector<std::string> docs;
  for (const auto& f : list_dir(source_dir() + "/docs"))
    if (f.size() > 3 && f.ends_with(".md")) docs.push_back("docs/" + f);
  docs.push_back("README.md");
  std::sort(docs.begin(), docs.end());
  for (const auto& d : docs) {
    auto blocks = yaml_blocks(d);
    out.insert(out.end(), blocks.begin(), blocks.end());
  }
  for (const auto& dir : list_dir(source_dir() + "/examples")) {
    std::string rel = "examples/" + dir + "/quarry.yml";
    if (auto text = read_file(source_dir() + "/" + rel)) out.push_back({rel, *text});
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(doc_examples)

BOOST_AUTO_TEST_CASE(every_example_manifest_passes_quarry_check) {
  auto examples = all_examples();
  // docs/manifest.md's reference, docs/images.md's base image and
  // docs/deploys.md's stop settings, plus examples/hello at least.
  BOOST_TEST(examples.size() >= 4u);
  const char* b = std::getenv("QUARRY_BIN");
  std::string bin = b ? b : "quarry";
  auto home = make_temp_dir("quarry-doc-home").value();
  auto work = make_temp_dir("quarry-doc-work").value();
  // The reference example uses ${USER_NAME} from the global env.
  BOOST_REQUIRE(make_dirs(home + "/etc/env").has_value());
  BOOST_REQUIRE(write_file_atomic(home + "/etc/env/USER_NAME", "docs").has_value());
  for (const auto& e : examples) {
    BOOST_TEST_CONTEXT(e.where) {
      BOOST_REQUIRE(write_file_atomic(work + "/quarry.yml", e.text).has_value());
      ProcessOptions o;
      o.cwd = work;
      o.timeout = std::chrono::seconds(60);
      auto r = run_process({bin, "--home", home, "check", "-f", work + "/quarry.yml"}, o);
      BOOST_REQUIRE(r.has_value());
      BOOST_TEST(r->exit_code == 0, e.where << ": quarry check says:\n" << r->out << r->err);
    }
  }
  (void)remove_all(home);
  (void)remove_all(work);
}

BOOST_AUTO_TEST_SUITE_END()
