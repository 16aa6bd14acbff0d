#include "compiler/manifest_parser.h"

#include <yaml-cpp/yaml.h>

#include <exception>

#include "compiler/diagnostics.h"
#include "compiler/env_reader.h"
#include "compiler/process_reader.h"
#include "compiler/stack_checks.h"
#include "compiler/yaml_walk.h"
#include "core/text.h"

namespace quarry {

namespace {

const std::vector<std::string> kTopKeys{"env", "name", "nodes", "services"};

// yaml-cpp reads a tab in indentation inconsistently: sometimes a syntax
// error far away, sometimes an empty document without a word. A tab among
// the leading blanks of a line is therefore refused up front, where it is.
bool report_tabs(std::string_view text, Diagnostics& diags) {
  bool found = false;
  int line = 1;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    auto row = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto first = row.find_first_not_of(" \t\r");
    auto lead = row.substr(0, first == std::string_view::npos ? row.size() : first);
    auto tab = lead.find('\t');
    if (tab != std::string_view::npos && first != std::string_view::npos) {
      diags.error(Position{line, static_cast<int>(tab) + 1}, "tab character in indentation; indent with spaces");
      found = true;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
    ++line;
  }
  return found;
}

// The length of the valid UTF-8 sequence at text[i], 0 when there is none
// (a stray byte, an overlong form, a surrogate, past U+10FFFF).
std::size_t utf8_length_at(std::string_view text, std::size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  bool ok = len != 0 && i + len <= text.size();
  for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
  if (ok && len == 2) ok = c >= 0xc2;  // no overlong forms
  if (ok && len == 3) {
    auto c1 = static_cast<unsigned char>(text[i + 1]);
    ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);  // overlong, surrogates
  }
  if (ok && len == 4) {
    auto c1 = static_cast<unsigned char>(text[i + 1]);
    ok = c <= 0xf4 && !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
  }
  return ok ? len : 0;
}

// A string a container can be given: valid UTF-8 without NUL bytes.
bool clean_string(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = utf8_length_at(text, i);
    if (len == 0 || text[i] == '\0') return false;
    i += len;
  }
  return true;
}

// Escapes in double-quoted scalars can make what the bytes were not: "\0"
// is a NUL byte, and yaml-cpp writes "\_" (U+00A0) as one Latin-1 byte.
// Reports the first scalar (key or value) that came out unclean. Aliases
// can make a small text a huge (or endless) tree: the walk is bounded.
constexpr std::size_t kMaxManifestValues = 200000;
bool report_unclean_scalars(const YAML::Node& root, Diagnostics& diags) {
  std::vector<YAML::Node> todo{root};
  std::size_t visited = 0;
  while (!todo.empty()) {
    YAML::Node n = todo.back();
    todo.pop_back();
    if (++visited > kMaxManifestValues) {
      diags.error(position_of(n), "the manifest holds more than " + std::to_string(kMaxManifestValues) +
                                      " values (counting what aliases repeat); keep data out of quarry.yml");
      return true;
    }
    if (n.IsScalar() && !clean_string(n.Scalar())) {
      diags.error(position_of(n), "this string holds a NUL byte or a character that is not UTF-8 (from an "
                                  "escape like \\0, \\x or \\_ in double quotes); write the character itself");
      return true;
    }
    if (n.IsSequence())
      for (const auto& item : n) todo.push_back(item);
    if (n.IsMap())
      for (const auto& kv : n) {
        todo.push_back(kv.first);
        todo.push_back(kv.second);
      }
  }
  return false;
}

// The stack's strings end up in JSON and in container env, both UTF-8.
// Reports the first byte that does not start or continue a valid sequence.
bool report_bad_utf8(std::string_view text, Diagnostics& diags) {
  int line = 1, column = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = utf8_length_at(text, i);
    if (len == 0) {
      diags.error(Position{line, column}, "the manifest is not valid UTF-8");
      return true;
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += len;
  }
  return false;
}

// yaml-cpp's ParserException message is "yaml-cpp: error at line L, column
// C: MSG"; its `msg` member is MSG alone, and the place comes from `mark`.
std::optional<YAML::Node> load(std::string_view text, Diagnostics& diags) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    Position at{e.mark.line < 0 ? 1 : e.mark.line + 1, e.mark.column < 0 ? 1 : e.mark.column + 1};
    diags.error(at, "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    diags.error(Position{}, std::string("YAML error: ") + e.what());
  }
  return std::nullopt;
}

std::optional<std::string> lookup_in(const std::map<std::string, std::string>& env, std::string_view name) {
  auto it = env.find(std::string(name));
  if (it == env.end()) return std::nullopt;
  return it->second;
}

void read_name(const MapEntry* entry, const ManifestOptions& opts, Stack& stack, Diagnostics& diags) {
  if (entry) {
    auto name = read_scalar(*entry, "the stack's name", diags);
    if (!name) return;
    if (!is_dns_label(*name)) diags.error(entry->value_at(), "name: " + bad_name_message("stack name", *name));
    stack.name = *name;
    return;
  }
  if (opts.default_name.empty()) {
    diags.error(Position{}, "the manifest has no 'name:' and there is no directory name to default to");
  } else if (!is_dns_label(opts.default_name)) {
    diags.error(Position{}, "the manifest has no 'name:', and the directory name " + quoted(opts.default_name) +
                                " is not a valid stack name (lowercase letters, digits and '-'); add 'name:'");
  }
  stack.name = opts.default_name;
}

std::vector<ProcessRead> read_processes(const MapEntry* entry, bool is_service, const EnvLookup& outer,
                                        EnvBudget& budget, Diagnostics& diags) {
  std::vector<ProcessRead> out;
  if (!entry) return out;
  const char* expected = is_service ? "a map of service names to their settings"
                                    : "a map of node names to their settings";
  // `services:` with nothing under it is an empty section, not a mistake.
  if (entry->value.IsNull()) return out;
  auto entries = read_map(*entry, expected, diags);
  if (!entries) return out;
  for (const auto& e : *entries) out.push_back(read_process(e, is_service, outer, budget, diags));
  return out;
}

// Every process's instruction carries the stack env: it counts once per
// process against the budget (it was charged once when read).
void charge_inherited_env(const MapEntry* env_entry, const std::map<std::string, std::string>& env,
                          std::size_t processes, EnvBudget& budget, Diagnostics& diags) {
  if (!env_entry || budget.spent || processes < 2) return;
  std::size_t size = 0;
  for (const auto& [k, v] : env) size += k.size() + v.size();
  if (size == 0 || size * (processes - 1) <= budget.left) return;
  diags.error(env_entry->key_at, "env: " + std::to_string(processes) + " processes each inherit " +
                                     std::to_string(size) + " bytes of stack env, past the limit of " +
                                     std::to_string(kMaxEnvTotalBytes) + " bytes for all env values");
  budget.spent = true;
}

Stack read_stack(const YAML::Node& root, const ManifestOptions& opts, Diagnostics& diags) {
  Stack stack;
  stack.global_env = opts.global_env;
  std::map<std::string, const MapEntry*> top;
  auto entries = map_entries(root, diags);
  for (const auto& e : entries) {
    if (std::find(kTopKeys.begin(), kTopKeys.end(), e.key) == kTopKeys.end()) {
      report_unknown_key(e, "at the top level", kTopKeys, diags);
    } else {
      top[e.key] = &e;
    }
  }
  read_name(top["name"], opts, stack, diags);

  EnvLookup global = [&](std::string_view name) { return lookup_in(opts.global_env, name); };
  EnvBudget budget;
  EnvRead stack_env;
  if (top["env"]) stack_env = read_env(*top["env"], global, budget, diags);
  stack.env = stack_env.values;

  EnvLookup outer = [&](std::string_view name) {
    auto found = lookup_in(stack.env, name);
    return found ? found : lookup_in(opts.global_env, name);
  };
  auto services = read_processes(top["services"], true, outer, budget, diags);
  auto nodes = read_processes(top["nodes"], false, outer, budget, diags);
  charge_inherited_env(top["env"], stack.env, services.size() + nodes.size(), budget, diags);
  if (services.empty() && nodes.empty() && diags.empty()) {
    diags.error(Position{}, "nothing to run: add 'services:' or 'nodes:'");
  }
  check_stack(services, nodes, stack_env.keys, diags);
  for (auto& s : services) stack.services.push_back(std::move(s.process));
  for (auto& n : nodes) stack.nodes.push_back(std::move(n.process));
  return stack;
}

}  // namespace

Result<Stack> parse_manifest(std::string_view yaml_text, const ManifestOptions& opts) {
  Diagnostics diags(opts.path);
  if (yaml_text.size() > kMaxManifestBytes) {
    diags.error(Position{}, "the manifest is " + std::to_string(yaml_text.size()) + " bytes, over the limit of " +
                                std::to_string(kMaxManifestBytes) + "; keep data out of quarry.yml");
    return fail(diags.to_error());
  }
  try {
    if (report_bad_utf8(yaml_text, diags)) return fail(diags.to_error());
    if (report_tabs(yaml_text, diags)) return fail(diags.to_error());
    auto root = load(yaml_text, diags);
    if (!root) return fail(diags.to_error());
    if (report_unclean_scalars(*root, diags)) return fail(diags.to_error());
    if (!root->IsDefined() || root->IsNull()) {
      diags.error(Position{}, "the manifest is empty; it needs 'services:' or 'nodes:'");
      return fail(diags.to_error());
    }
    if (!root->IsMap()) {
      diags.error(position_of(*root), "the manifest must be a map of name, env, services and nodes, not " +
                                          describe(*root));
      return fail(diags.to_error());
    }
    Stack stack = read_stack(*root, opts, diags);
    if (!diags.empty()) return fail(diags.to_error());
    stack.manifest_hash = sha256_hex(yaml_text);
    return stack;
  } catch (const std::exception& e) {
    // The readers check node types before converting, so this is a
    // yaml-cpp surprise; it still must not escape.
    diags.error(Position{}, std::string("internal error reading the manifest: ") + e.what());
    return fail(diags.to_error());
  } catch (...) {
    diags.error(Position{}, "internal error reading the manifest");
    return fail(diags.to_error());
  }
}

}  // namespace quarry
