#include "hq/key_grants.h"

#include <algorithm>

#include "core/text.h"

namespace quarry {

namespace {

std::string grant_path(const std::string& name) { return "etc/keys/" + name + ".stacks"; }

void normalize(KeyGrant& g) {
  std::sort(g.stacks.begin(), g.stacks.end());
  g.stacks.erase(std::unique(g.stacks.begin(), g.stacks.end()), g.stacks.end());
}

}  // namespace

Result<KeyGrant> parse_stack_list(std::string_view csv) {
  KeyGrant g;
  for (const auto& raw : split(csv, ',')) {
    auto name = trim(raw);
    if (name.empty()) continue;
    if (!is_dns_label(name)) {
      return fail("'" + name + "' is not a stack name (lower-case letters, digits and '-')");
    }
    g.stacks.push_back(name);
  }
  if (g.stacks.empty()) return fail("no stack named: give --stacks a,b, or --all, or --none");
  normalize(g);
  return g;
}

bool grant_allows(const KeyGrant& grant, const std::string& stack) {
  return grant.all || std::binary_search(grant.stacks.begin(), grant.stacks.end(), stack);
}

std::string describe_grant(const KeyGrant& grant) {
  if (grant.all) return "all stacks";
  if (grant.stacks.empty()) return "no stack";
  return join(grant.stacks, ", ");
}

Result<KeyGrant> load_grant(Store& store, const std::string& name) {
  auto text = store.get(grant_path(name));
  if (!text) return std::unexpected(text.error());
  KeyGrant g;
  if (!*text) return g;
  for (const auto& raw : split_lines(**text)) {
    auto line = trim(raw);
    if (line.empty()) continue;
    if (line == "*") {
      g.all = true;
    } else if (is_dns_label(line)) {
      g.stacks.push_back(line);
    } else {
      return fail(store.locate(grant_path(name)) + ": '" + line + "' is not a stack name or '*'");
    }
  }
  normalize(g);
  return g;
}

Status save_grant(Store& store, const std::string& name, const KeyGrant& grant) {
  std::string text = grant.all ? "*\n" : "";
  if (!grant.all) {
    for (const auto& s : grant.stacks) text += s + "\n";
  }
  return store.put(grant_path(name), text);
}

std::string refusal(const std::string& key_name, const KeyGrant& grant, const std::string& stack, bool push) {
  KeyGrant wider = grant;
  wider.stacks.push_back(stack);
  normalize(wider);
  return "key '" + key_name + "' may not " + (push ? "push to" : "fetch") + " stack '" + stack + "' (it may reach " +
         describe_grant(grant) + "); an operator can allow it with `quarry hq grant " + key_name + " --stacks " +
         join(wider.stacks, ",") + "`";
}

}  // namespace quarry
