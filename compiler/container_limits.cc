#include "compiler/container_limits.h"

#include <string>

#include "compiler/units.h"
#include "core/text.h"

namespace quarry {

void read_pids(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "a number of processes (like 4096)", diags);
  if (!text) return;
  bool digits = !text->empty() && text->size() <= 9 && text->find_first_not_of("0123456789") == std::string::npos;
  long n = digits ? std::stol(*text) : -1;
  if (n < kMinPids || n > kMaxPids) {
    diags.error(e.value_at(), "pids: " + quoted(*text) + " is not a number of processes from " +
                                  std::to_string(kMinPids) + " to " + std::to_string(kMaxPids));
    return;
  }
  p.pids_limit = static_cast<int>(n);
}

void read_no_new_privileges(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "true or false", diags);
  if (!text) return;
  if (*text == "true") {
    p.no_new_privileges = true;
  } else if (*text == "false") {
    p.no_new_privileges = false;
  } else {
    diags.error(e.value_at(), "no_new_privileges: expected true or false, got " + quoted(*text));
  }
}

}  // namespace quarry
