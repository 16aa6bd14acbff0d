#include <boost/test/unit_test.hpp>

#include "grid/best_fit_policy.h"
#include "grid/grid.h"
#include "grid/grid_json.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

GridState sample() {
  GridState state;
  BlockState bs{Block{"s1", {4096, 2000}, {{"role", "router"}}, {}, 100, 250}, {}};
  bs.slices.push_back(service("blog/db/0", 2048, 500));
  bs.slices.push_back(node("blog/web/0", 1024, 250, {{"role", "router"}}));
  for (const auto& s : bs.slices) bs.block.used += s.size;
  bs.block.low_since_ms.reset();
  state.blocks.push_back(bs);
  state.pending.push_back(node("blog/web/1", 512, 100));
  state.creating.push_back(CreateRequest{3, {8192, 4000}, {}, 900});
  state.next_request = 4;
  state.errors.push_back("create request 2 failed: quota");
  return state;
}

const char* kSampleJson = R"({
  "version": 1,
  "next_request": 4,
  "blocks": [
    {
      "id": "s1",
      "memory_mb": 4096,
      "cpu_millis": 2000,
      "used_memory_mb": 3072,
      "used_cpu_millis": 750,
      "tags": {
        "role": "router"
      },
      "created_ms": 100,
      "low_since_ms": null,
      "slices": [
        {
          "id": "blog/db/0",
          "memory_mb": 2048,
          "cpu_millis": 500,
          "service": true,
          "requires": {}
        },
        {
          "id": "blog/web/0",
          "memory_mb": 1024,
          "cpu_millis": 250,
          "service": false,
          "requires": {
            "role": "router"
          }
        }
      ]
    }
  ],
  "pending": [
    {
      "id": "blog/web/1",
      "memory_mb": 512,
      "cpu_millis": 100,
      "service": false,
      "requires": {}
    }
  ],
  "creating": [
    {
      "request": 3,
      "memory_mb": 8192,
      "cpu_millis": 4000,
      "tags": {},
      "requested_ms": 900
    }
  ],
  "errors": [
    "create request 2 failed: quota"
  ]
}
)";

// Replaces the first occurrence of `from` in the sample document.
std::string corrupt(const std::string& from, const std::string& to) {
  std::string doc = kSampleJson;
  auto pos = doc.find(from);
  BOOST_REQUIRE_MESSAGE(pos != std::string::npos, from);
  return doc.replace(pos, from.size(), to);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(grid_json)

BOOST_AUTO_TEST_CASE(writes_the_documented_shape) { BOOST_TEST(grid_to_json(sample()) == kSampleJson); }

BOOST_AUTO_TEST_CASE(reads_back_what_it_wrote) {
  auto state = grid_from_json(kSampleJson);
  BOOST_REQUIRE(state.has_value());
  BOOST_TEST((*state == sample()));
}

BOOST_AUTO_TEST_CASE(a_corrupt_document_names_what_is_wrong) {
  struct {
    std::string doc;
    const char* message;
  } cases[] = {
      {"[1,2]", "grid document: top level: expected an object"},
      {corrupt("\"version\": 1", "\"version\": 2"), "grid document: version: unsupported version 2"},
      {corrupt("\"memory_mb\": 1024", "\"memory_mb\": \"1G\""),
       "grid document: blocks[0].slices[1].memory_mb: expected an integer"},
      {corrupt("\"service\": true", "\"service\": 1"),
       "grid document: blocks[0].slices[0].service: expected true or false"},
      {corrupt("\"used_memory_mb\": 3072", "\"used_memory_mb\": 3000"),
       "grid document: blocks[0]: used capacity does not match the sum of its slices"},
      {corrupt("\"id\": \"blog/web/1\",", ""), "grid document: pending[0].id: missing"},
      {corrupt("\"role\": \"router\"", "\"role\": 7"), "grid document: blocks[0].tags.role: expected a string"},
      {corrupt("\"request\": 3", "\"request\": 0"), "grid document: creating[0].request: expected a positive integer"},
      {corrupt("\"low_since_ms\": null", "\"low_since_ms\": \"x\""),
       "grid document: blocks[0].low_since_ms: expected an integer or null"},
      {corrupt("\"errors\": [", "\"errors\": 5, \"x\": ["), "grid document: errors: expected an array"},
  };
  for (const auto& c : cases) {
    auto r = grid_from_json(c.doc);
    BOOST_REQUIRE_MESSAGE(!r.has_value(), c.message);
    BOOST_TEST(r.error().message == c.message);
  }
  auto truncated = grid_from_json("{\"version\": 1,");
  BOOST_REQUIRE(!truncated.has_value());
  BOOST_TEST(truncated.error().message.starts_with("grid document: invalid JSON: "));
  BOOST_TEST(truncated.error().message.find("line 1, column 15") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(restore_rejects_an_inconsistent_state) {
  auto opts = GridOptions{};
  auto restore = [&](const GridState& s) { return Grid::restore(s, opts, std::make_unique<BestFitPolicy>()); };
  auto over = sample();
  over.blocks[0].block.capacity.memory_mb = 2048;
  BOOST_TEST(restore(over).error().message == "block 's1': its slices need more than its capacity");
  auto twice = sample();
  twice.pending[0].id = "blog/web/0";
  BOOST_TEST(restore(twice).error().message == "pending: slice 'blog/web/0' appears twice");
  auto untagged = sample();
  untagged.blocks[0].block.tags.clear();
  BOOST_TEST(restore(untagged).error().message == "block 's1': slice 'blog/web/0' requires tags the block lacks");
  auto ok = restore(sample());
  BOOST_REQUIRE(ok.has_value());
  BOOST_TEST((ok->snapshot() == sample()));
}

BOOST_AUTO_TEST_SUITE_END()
