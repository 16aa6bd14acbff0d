#include <boost/test/unit_test.hpp>

#include "compiler/compile.h"
#include "compiler/instruction_json.h"
#include "compiler/manifest_parser.h"
#include "compiler/stack_json.h"
#include "core/file_io.h"
#include "golden_files.h"

using namespace quarry;

namespace {

Stack blog() {
  auto text = read_file(testing::golden_dir() + "/blog.yml");
  BOOST_TEST_REQUIRE(text.has_value());
  ManifestOptions opts;
  opts.global_env = {{"USER_NAME", "world"}};
  auto stack = parse_manifest(*text, opts);
  BOOST_TEST_REQUIRE(stack.has_value(), (stack ? "" : stack.error().message));
  return *stack;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(instruction_json)

BOOST_AUTO_TEST_CASE(instructions_round_trip) {
  DeployedState now{{"redis"}, {"old"}, {"old"}};
  InstructionList list = compile(blog(), now);
  std::string json = to_json(list);
  BOOST_TEST(json.back() == '\n');
  auto back = instructions_from_json(json);
  BOOST_TEST_REQUIRE(back.has_value(), (back ? "" : back.error().message));
  BOOST_TEST((*back == list));
  BOOST_TEST(to_json(*back) == json);
}

BOOST_AUTO_TEST_CASE(ops_carry_only_their_fields) {
  InstructionList list{"s", "h", {}};
  Instruction kill;
  kill.op = Op::Kill;
  kill.stack = "s";
  kill.target = "old";
  list.instructions.push_back(kill);
  BOOST_TEST(to_json(list) ==
             "{\n"
             "  \"format\": 1,\n"
             "  \"instructions\": [\n"
             "    {\n"
             "      \"op\": \"KILL\",\n"
             "      \"stack\": \"s\",\n"
             "      \"target\": \"old\"\n"
             "    }\n"
             "  ],\n"
             "  \"manifest_hash\": \"h\",\n"
             "  \"stack\": \"s\"\n"
             "}\n");
}

BOOST_AUTO_TEST_CASE(malformed_documents_are_errors) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"", "instructions JSON: not valid JSON"},
      {"{", "instructions JSON: not valid JSON"},
      {"{\"format\": 2, \"stack\": \"s\", \"manifest_hash\": \"\", \"instructions\": []}",
       "instructions JSON: unknown format 2"},
      {"{\"format\": 1, \"stack\": \"s\", \"manifest_hash\": \"\", \"instructions\": {}}",
       "instructions JSON: 'instructions' must be a list"},
      {"{\"format\": 1, \"stack\": \"s\", \"manifest_hash\": \"\", \"instructions\": [{\"op\": \"NUKE\", "
       "\"stack\": \"s\", \"target\": \"t\"}]}",
       "instructions JSON: unknown op \"NUKE\""},
      {"{\"format\": 1, \"stack\": \"s\", \"manifest_hash\": \"\", \"instructions\": [{\"op\": \"SCALE\", "
       "\"stack\": \"s\", \"target\": \"t\", \"scale\": \"3\"}]}",
       nullptr},
      {"{\"format\": 1, \"stack\": \"s\", \"manifest_hash\": \"\", \"instructions\": [{\"op\": \"DEPLOY\", "
       "\"stack\": \"s\", \"target\": \"t\", \"links\": [], \"process\": {\"name\": \"t\"}}]}",
       nullptr},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      auto r = instructions_from_json(c.text);
      BOOST_TEST_REQUIRE(!r.has_value());
      if (c.error) BOOST_TEST(r.error().message == c.error);
      else BOOST_TEST(r.error().message.starts_with("instructions JSON: "));
    }
  }
}

BOOST_AUTO_TEST_CASE(stack_round_trips) {
  Stack stack = blog();
  stack.services.at(0).pids_limit = 2048;
  stack.services.at(0).no_new_privileges = false;
  auto j = stack_to_json(stack);
  auto back = stack_from_json(j);
  BOOST_TEST_REQUIRE(back.has_value(), (back ? "" : back.error().message));
  BOOST_TEST((*back == stack));
  auto from_text = stack_from_json_text(j.dump());
  BOOST_TEST_REQUIRE(from_text.has_value());
  BOOST_TEST((*from_text == stack));
  BOOST_TEST(!stack_from_json_text("[1, 2]").has_value());
  BOOST_TEST(stack_from_json_text("nope").error().message == "stack JSON: not valid JSON");
}

BOOST_AUTO_TEST_SUITE_END()
