// Good manifests compiled to their expected instruction JSON, byte for byte.
// Each golden/NAME.yml is parsed as "NAME.yml" with default name NAME and
// the global env below, compiled against an empty deployment, and compared
// with golden/NAME.json. QUARRY_UPDATE_GOLDEN=1 rewrites the .json files
// (review the diff before committing it).
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "compiler/compile.h"
#include "compiler/instruction_json.h"
#include "compiler/manifest_parser.h"
#include "core/file_io.h"
#include "golden_files.h"

using namespace quarry;

namespace {

std::vector<std::string> golden_names() {
  std::vector<std::string> names;
  for (const auto& entry : list_dir(testing::golden_dir())) {
    if (entry.size() > 4 && entry.ends_with(".yml")) names.push_back(entry.substr(0, entry.size() - 4));
  }
  return names;
}

Result<std::string> compile_file(const std::string& name) {
  auto text = read_file(testing::golden_dir() + "/" + name + ".yml");
  if (!text) return fail(text.error());
  ManifestOptions opts;
  opts.path = name + ".yml";
  opts.default_name = name;
  opts.global_env = {{"USER_NAME", "world"}, {"LOG_LEVEL", "info"}};
  auto stack = parse_manifest(*text, opts);
  if (!stack) return fail(stack.error());
  return to_json(compile(*stack));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_golden)

BOOST_AUTO_TEST_CASE(at_least_five_golden_manifests) {
  auto names = golden_names();
  BOOST_TEST(names.size() >= 5u);
  BOOST_TEST((std::find(names.begin(), names.end(), "blog") != names.end()));
}

BOOST_AUTO_TEST_CASE(each_compiles_to_its_expected_json) {
  const bool update = std::getenv("QUARRY_UPDATE_GOLDEN") != nullptr;
  for (const auto& name : golden_names()) {
    BOOST_TEST_CONTEXT(name) {
      auto json = compile_file(name);
      BOOST_TEST_REQUIRE(json.has_value(), (json ? "" : json.error().message));
      const std::string expected_path = testing::golden_dir() + "/" + name + ".json";
      if (update) BOOST_TEST_REQUIRE(write_file_atomic(expected_path, *json).has_value());
      auto expected = read_file(expected_path);
      BOOST_TEST_REQUIRE(expected.has_value());
      BOOST_TEST(*json == *expected);
      // Same input, same bytes.
      BOOST_TEST(*compile_file(name) == *json);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
