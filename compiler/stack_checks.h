// The checks of quarry.yml that look across processes: names, depends_on,
// cycles, shared domains and env names reserved for service addresses.
// Internal to compiler/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/process_reader.h"

namespace quarry {

// The env names the launcher sets for `service` (NAME_HOST, NAME_PORT,
// NAME_ADDR, with NAME the service name uppercased and '-' as '_').
std::vector<std::string> service_address_env(const std::string& service);

// Reports, in `diags`: a name used by both a service and a node; a
// depends_on naming nothing in the stack (with the nearest name); a service
// that depends on a node (services are all started before nodes); each
// dependency cycle, named in full ("dependency cycle: web -> api -> web");
// a domain listed by two nodes; an env name (stack or process) that the
// launcher sets for a service's address.
void check_stack(const std::vector<ProcessRead>& services, const std::vector<ProcessRead>& nodes,
                 const std::vector<std::pair<std::string, Position>>& stack_env_keys, Diagnostics& diags);

}  // namespace quarry
