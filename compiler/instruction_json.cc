#include "compiler/instruction_json.h"

#include <exception>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "compiler/stack_json.h"

namespace quarry {

namespace {

using nlohmann::json;

constexpr int kFormat = 1;

json instruction_to_json(const Instruction& i) {
  json j{{"op", op_name(i.op)}, {"stack", i.stack}, {"target", i.target}};
  switch (i.op) {
    case Op::Ensure:
    case Op::Deploy:
      j["process"] = process_to_json(i.process);
      j["links"] = i.links;
      if (!i.global_keys.empty()) j["global_keys"] = i.global_keys;
      break;
    case Op::Scale:
      j["scale"] = i.scale;
      break;
    case Op::Route:
      j["domains"] = i.domains;
      break;
    case Op::Kill:
      break;
  }
  return j;
}

// Throws on a malformed document; instructions_from_json catches.
Instruction instruction_from(const json& j) {
  Instruction i;
  auto op = op_from_name(j.at("op").get<std::string>());
  if (!op) throw std::invalid_argument("unknown op " + j.at("op").dump());
  i.op = *op;
  j.at("stack").get_to(i.stack);
  j.at("target").get_to(i.target);
  switch (i.op) {
    case Op::Ensure:
    case Op::Deploy: {
      auto process = process_from_json(j.at("process"));
      if (!process) throw std::invalid_argument(process.error().message);
      i.process = std::move(*process);
      j.at("links").get_to(i.links);
      if (j.contains("global_keys")) j.at("global_keys").get_to(i.global_keys);
      break;
    }
    case Op::Scale:
      j.at("scale").get_to(i.scale);
      break;
    case Op::Route:
      j.at("domains").get_to(i.domains);
      break;
    case Op::Kill:
      break;
  }
  return i;
}

}  // namespace

const char* op_name(Op op) {
  switch (op) {
    case Op::Ensure: return "ENSURE";
    case Op::Deploy: return "DEPLOY";
    case Op::Scale: return "SCALE";
    case Op::Route: return "ROUTE";
    case Op::Kill: return "KILL";
  }
  return "ENSURE";
}

std::optional<Op> op_from_name(std::string_view name) {
  for (Op op : {Op::Ensure, Op::Deploy, Op::Scale, Op::Route, Op::Kill}) {
    if (name == op_name(op)) return op;
  }
  return std::nullopt;
}

std::string to_json(const InstructionList& list) {
  json instructions = json::array();
  for (const auto& i : list.instructions) instructions.push_back(instruction_to_json(i));
  json doc{{"format", kFormat},
           {"stack", list.stack},
           {"manifest_hash", list.manifest_hash},
           {"instructions", std::move(instructions)}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<InstructionList> instructions_from_json(std::string_view text) {
  auto doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail("instructions JSON: not valid JSON");
  try {
    if (doc.at("format").get<int>() != kFormat) {
      return fail("instructions JSON: unknown format " + doc.at("format").dump());
    }
    InstructionList list;
    doc.at("stack").get_to(list.stack);
    doc.at("manifest_hash").get_to(list.manifest_hash);
    const json& items = doc.at("instructions");
    if (!items.is_array()) return fail("instructions JSON: 'instructions' must be a list");
    for (const auto& item : items) list.instructions.push_back(instruction_from(item));
    return list;
  } catch (const std::exception& e) {
    return fail(std::string("instructions JSON: ") + e.what());
  }
}

}  // namespace quarry
