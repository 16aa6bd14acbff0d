#include "compiler/env_reader.h"

namespace quarry {

EnvRead read_env(const MapEntry& entry, const EnvLookup& outer, EnvBudget& budget, Diagnostics& diags) {
  EnvRead out;
  if (budget.spent) return out;
  auto entries = read_map(entry, "a map of NAME: value", diags);
  if (!entries) return out;
  for (const auto& e : *entries) {
    if (!is_env_name(e.key)) {
      diags.error(e.key_at, "env: " + quoted(e.key) +
                                " is not a variable name (letters, digits and '_', not starting with a digit)");
      continue;
    }
    if (!e.value.IsScalar()) {
      if (e.value.IsNull()) {
        diags.error(e.key_at, "env " + e.key + ": missing value (write " + e.key + ": \"\" for an empty one)");
      } else {
        diags.error(e.value_at(), "env " + e.key + ": expected a string, number or boolean, got " +
                                      describe(e.value));
      }
      continue;
    }
    EnvLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
      auto it = out.values.find(std::string(name));
      if (it != out.values.end()) return it->second;
      return outer(name);
    };
    auto value = interpolate(e.value.Scalar(), lookup);
    if (!value) {
      diags.error(e.value_at(), "env " + e.key + ": " + value.error().message);
      continue;
    }
    std::size_t cost = e.key.size() + value->size();
    if (cost > budget.left) {
      diags.error(e.value_at(), "env " + e.key + ": the manifest's env values together grow past " +
                                    std::to_string(kMaxEnvTotalBytes) + " bytes here (the limit for all of them)");
      budget.spent = true;
      return out;
    }
    budget.left -= cost;
    out.values[e.key] = std::move(*value);
    out.keys.emplace_back(e.key, e.key_at);
  }
  return out;
}

}  // namespace quarry
