// Which stacks a key may push and fetch: its grant, kept beside the key at
// etc/keys/NAME.stacks ("*" for every stack, else one stack per line). The
// forced command checks it on every login, for a push and a fetch alike, so
// a key's holder cannot read or change the stacks of others.
//
// Default: a key with no grant file (and a key added without --stacks or
// --all) may reach no stack at all. Nothing is open by omission, in the
// manner of gitolite; `quarry hq grant` widens it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/store.h"

namespace quarry {

struct KeyGrant {
  bool all = false;                 // every stack, present and future
  std::vector<std::string> stacks;  // sorted, unique; ignored when `all`

  bool operator==(const KeyGrant&) const = default;
};

// "a,b" (as given to --stacks) to a grant. Every name must be a stack name
// (a DNS label); an empty list is an error (use --none to grant nothing).
Result<KeyGrant> parse_stack_list(std::string_view csv);

// True when `grant` lets its key push and fetch `stack`.
bool grant_allows(const KeyGrant& grant, const std::string& stack);

// "all stacks", "a, b", "no stack": for listings and messages.
std::string describe_grant(const KeyGrant& grant);

// The grant of key `name`; no stack when it has none stored. A stored file
// that does not parse is an error naming it.
Result<KeyGrant> load_grant(Store& store, const std::string& name);

// Stores the grant of key `name` (replacing the previous one).
Status save_grant(Store& store, const std::string& name, const KeyGrant& grant);

// The message a refused login gets: who, what, and how an operator allows it.
std::string refusal(const std::string& key_name, const KeyGrant& grant, const std::string& stack, bool push);

}  // namespace quarry
