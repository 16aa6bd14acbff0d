// What servers cost a month, from a provider's price list (sizes()), and
// what a change to the fleet does to that: the numbers `quarry servers` and
// `quarry plan` print. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cloud/provider.h"

namespace quarry {

// The price of a server: its size slug when the list has it, else the
// cheapest size with at least its memory and cpu; nullopt when unknown.
std::optional<double> monthly_price(const std::vector<SizePrice>& prices, const std::string& slug, int memory_mb,
                                    double cpu);

// The cheapest priced size with at least this memory and cpu; else the
// smallest unpriced one; nullopt when none is big enough.
std::optional<SizePrice> smallest_size(const std::vector<SizePrice>& sizes, int memory_mb, double cpu);

struct CostItem {
  char sign = '+';                  // '+' created, '-' destroyed
  std::string name;                 // server id or name; "new server 2048 MB, 2 cpu" when none yet
  std::optional<double> monthly_usd;
};

struct CostChange {
  std::vector<CostItem> items;
  std::vector<std::string> lines;   // "+ q-ab12-3  $24.00/month", "- do-9  price unknown"
  double delta_usd = 0;             // creates minus destroys
  bool complete = true;             // false: some price is unknown (counted as 0)
};

// The servers a deploy would create (specs) and destroy (servers), priced.
CostChange cost_change(const std::vector<SizePrice>& prices, const std::vector<ServerSpec>& create,
                       const std::vector<Server>& destroy);

// The servers section of `quarry plan`: "servers:", the lines indented, then
// "monthly cost: +$18.00" (and "(some prices unknown)"); "" for no change.
std::string render_cost_change(const CostChange& change, const std::string& title = "servers:");
// {"servers": [{"change": "create", "name": ..., "monthly_usd": 18 | null}],
//  "monthly_delta_usd": 18, "complete": true}
nlohmann::json cost_change_json(const CostChange& change);

// "$24.00"
std::string format_usd(double usd);

}  // namespace quarry
