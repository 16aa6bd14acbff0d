// Domains belong to one stack at a time. The router is shared by every
// stack, so a domain two stacks route would make its configuration invalid
// for all of them; the first stack to route a domain owns it until it stops
// routing it. Checked three times: `quarry check` and the HQ's pre-receive
// check (against the routes the store holds, with the place in the manifest),
// and the router update itself, under the store's "router" lock, before a
// stack's routes are saved (NginxRouterSync::set_routes).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "compiler/manifest_parser.h"
#include "compiler/stack.h"
#include "store/records.h"

namespace quarry {

// Pure: the first domain of `wanted` (stack `stack`'s) that another stack of
// `routes` routes, as "domain D is routed by stack OWNER"; empty when none.
std::string domain_conflict(const std::string& stack, const RouteList& wanted,
                            const std::map<std::string, RouteList>& routes);

// Every stack's routes in the store.
Result<std::map<std::string, RouteList>> load_all_routes(Store& store);

// Fails (kind User) when a domain of `stack` is routed by another stack in
// the store: "PATH:LINE:COL: domain D is already routed by stack OWNER; ..."
// located at the domain in `manifest_text` (at 1:1 when not found there).
// Changes nothing.
Status check_domain_owners(Store& store, const Stack& stack, std::string_view manifest_text, const std::string& path);

// Parses `manifest_text` with `options` (the errors are the parser's) and
// checks its domains as check_domain_owners does: the HQ's pre-receive check.
Status check_manifest_domains(Store& store, std::string_view manifest_text, const ManifestOptions& options);

// RouterHook::set_routes's default is defined in domain_owners.cc.
// Saves `routes` as the stack's, under the store's "router" lock, unless
// another stack routes one of the domains (then nothing changes): for a
// cluster without a router server to apply them to.
Status save_routes_checked(Store& store, const std::string& stack, const RouteList& routes);

// "LINE:COL" (1-based) of the first place `word` appears in `text` as a
// whole YAML scalar outside a comment; "1:1" when it does not.
std::string scalar_position(std::string_view text, std::string_view word);

}  // namespace quarry
