// libFuzzer target: any bytes through parse_manifest, and for a manifest
// that parses, compile, to_json and instructions_from_json. Crashes,
// sanitizer reports, an exception escaping, or a JSON round trip that
// changes the instructions all abort.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "compiler/compile.h"
#include "compiler/instruction_json.h"
#include "compiler/manifest_parser.h"
#include "compiler/stack_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace quarry;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ManifestOptions opts;
  opts.path = "fuzz.yml";
  opts.default_name = "fuzz";
  opts.global_env = {{"USER_NAME", "fuzz"}, {"HOME", "/root"}};
  auto stack = parse_manifest(text, opts);
  if (!stack) {
    if (stack.error().message.rfind("fuzz.yml:", 0) != 0) {
      std::fprintf(stderr, "diagnostic without a location: %s\n", stack.error().message.c_str());
      std::abort();
    }
    return 0;
  }
  DeployedState now{{"old-service"}, {"old-node", "web"}, {"web", "old-node"}};
  InstructionList list = compile(*stack, now);
  std::string json = to_json(list);
  auto back = instructions_from_json(json);
  if (!back || !(*back == list) || to_json(*back) != json) {
    std::fprintf(stderr, "instruction JSON does not round-trip:\n%s\n", json.c_str());
    std::abort();
  }
  auto stack_back = stack_from_json(stack_to_json(*stack));
  if (!stack_back || !(*stack_back == *stack)) {
    std::fprintf(stderr, "stack JSON does not round-trip\n");
    std::abort();
  }
  return 0;
}
