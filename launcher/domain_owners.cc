#include "launcher/domain_owners.h"

#include "launcher/seams.h"

#include "core/text.h"

namespace quarry {

namespace {

bool host_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

RouteList routes_of(const Stack& stack) {
  RouteList out;
  for (const auto& n : stack.nodes)
    for (const auto& d : n.domains) out.emplace_back(d, n.name);
  return out;
}

}  // namespace

std::string domain_conflict(const std::string& stack, const RouteList& wanted,
                            const std::map<std::string, RouteList>& routes) {
  for (const auto& [domain, node] : wanted) {
    for (const auto& [owner, list] : routes) {
      if (owner == stack) continue;
      for (const auto& [d, n] : list) {
        if (d == domain) return "domain " + domain + " is already routed by stack " + owner;
      }
    }
  }
  return "";
}

Result<std::map<std::string, RouteList>> load_all_routes(Store& store) {
  auto stacks = list_stacks(store);
  if (!stacks) return std::unexpected(stacks.error());
  std::map<std::string, RouteList> all;
  for (const auto& s : *stacks) {
    auto r = load_routes(store, s);
    if (!r) return std::unexpected(r.error());
    if (!r->empty()) all[s] = std::move(*r);
  }
  return all;
}

Status save_routes_checked(Store& store, const std::string& stack, const RouteList& routes) {
  auto held = store.lock("router", "routes of " + stack);
  if (!held) return std::unexpected(held.error());
  auto all = load_all_routes(store);
  if (!all) return std::unexpected(all.error());
  if (auto conflict = domain_conflict(stack, routes, *all); !conflict.empty())
    return fail(stack + ": " + conflict + "; nothing was changed");
  return save_routes(store, stack, routes);
}

Status RouterHook::set_routes(Store& store, const std::string& stack, const RouteList& routes) {
  auto before = load_routes(store, stack);
  if (!before) return std::unexpected(before.error());
  if (auto s = save_routes_checked(store, stack, routes); !s) return s;
  if (auto s = sync(); !s) {
    (void)save_routes(store, stack, *before);
    return s;
  }
  return {};
}

std::string scalar_position(std::string_view text, std::string_view word) {
  auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    for (std::size_t at = line.find(word); at != std::string_view::npos; at = line.find(word, at + 1)) {
      auto hash = line.find('#');
      if (hash != std::string_view::npos && hash < at) break;
      bool left = at == 0 || !host_char(line[at - 1]);
      bool right = at + word.size() >= line.size() || !host_char(line[at + word.size()]);
      if (left && right) return std::to_string(i + 1) + ":" + std::to_string(at + 1);
    }
  }
  return "1:1";
}

Status check_domain_owners(Store& store, const Stack& stack, std::string_view manifest_text, const std::string& path) {
  auto all = load_all_routes(store);
  if (!all) return std::unexpected(all.error());
  for (const auto& [domain, node] : routes_of(stack)) {
    auto conflict = domain_conflict(stack.name, {{domain, node}}, *all);
    if (conflict.empty()) continue;
    return fail(path + ":" + scalar_position(manifest_text, domain) + ": " + conflict +
                " (a domain is served by one stack; remove it there first, or pick another domain)");
  }
  return {};
}

Status check_manifest_domains(Store& store, std::string_view manifest_text, const ManifestOptions& options) {
  auto stack = parse_manifest(manifest_text, options);
  if (!stack) return std::unexpected(stack.error());
  return check_domain_owners(store, *stack, manifest_text, options.path);
}

}  // namespace quarry
