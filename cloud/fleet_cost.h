// What servers cost a month, from a provider's price list (sizes()), and
// what a change to the fleet does to that: the numbers `quarry servers` and
// `quarry plan` print. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloud/provider.h"

namespace quarry {

// The price of a server: its size slug when the list has it, else the
// cheapest size with at least its memory and cpu; nullopt when unknown.
std::optional<double> monthly_price(const std::vector<SizePrice>& prices, const std::string& slug, int memory_mb,
                                    double cpu);

struct CostChange {
  std::vector<std::string> lines;   // "+ q-ab12-3  s-2vcpu-4gb  $24.00/month", "- ..."
  double delta_usd = 0;             // creates minus destroys
  bool complete = true;             // false: some price is unknown (counted as 0)
};

// The servers a deploy would create (specs) and destroy (servers), priced.
CostChange cost_change(const std::vector<SizePrice>& prices, const std::vector<ServerSpec>& create,
                       const std::vector<Server>& destroy);

// "$24.00"
std::string format_usd(double usd);

}  // namespace quarry
