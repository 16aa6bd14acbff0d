#include "cli/fleet_preview.h"

#include "cli/server_source.h"
#include "cloud/digitalocean_provider.h"
#include "cloud/ec2_provider.h"
#include "cloud/http_client.h"
#include "cloud/provider_config.h"
#include "store/grid_store.h"
#include "grid/clock.h"

namespace quarry {

namespace {

// The provider's price list. A provider built for its prices alone: it
// needs no HQ key, so a plan makes none.
Result<std::vector<SizePrice>> prices_of(Context& ctx) {
  auto text = ctx.store().get("etc/cloud.json");
  if (!text) return std::unexpected(text.error());
  auto config = parse_cloud_config(text->value_or(R"({"provider": "local"})"));
  if (!config) return std::unexpected(config.error().context(ctx.store().locate("etc/cloud.json")));
  if (config->provider == "local") return fail("the local cloud has no prices");
  CurlHttpClient http;
  if (config->provider == "digitalocean") return DigitalOceanProvider(config->digitalocean, http).sizes();
  return Ec2Provider(config->ec2, http).sizes();
}

}  // namespace

Result<FleetPreview> preview_fleet(Context& ctx, FleetInput in) {
  auto grid = load_grid(ctx.store(), kGridKey);
  if (!grid) return std::unexpected(grid.error());
  auto settings = load_grid_settings(ctx.store());
  if (!settings) return std::unexpected(settings.error());
  in.grid = *grid;
  in.settings = *settings;
  in.now_ms = SystemClock().now_ms();
  FleetPreview out;
  auto change = plan_fleet(in);
  if (!change) return std::unexpected(change.error().context(ctx.store().locate(std::string(kGridKey))));
  out.change = *change;
  if (out.change.create.empty() && out.change.destroy.empty()) return out;
  std::vector<SizePrice> prices;
  if (auto p = prices_of(ctx)) prices = *p;
  else out.prices_error = p.error().message;
  std::vector<ServerSpec> create;
  for (const auto& r : out.change.create)
    create.emplace_back("", static_cast<int>(r.size.memory_mb), static_cast<double>(r.size.cpu_millis) / 1000);
  std::vector<Server> destroy;
  for (const auto& id : out.change.destroy) {
    auto rec = load_server(ctx.store(), id);
    Server s;
    if (rec && *rec) s = server_of(**rec);
    s.id = id;
    destroy.push_back(s);
  }
  out.cost = cost_change(prices, create, destroy);
  return out;
}

std::string render_fleet_preview(const FleetPreview& p, const std::string& title) {
  std::string out = render_cost_change(p.cost, title);
  if (!p.prices_error.empty() && !out.empty()) out += "  (prices unknown: " + p.prices_error + ")\n";
  for (const auto& s : p.change.unplaced)
    out += "  ! " + s + " would fit on no server: the grid is at its max (etc/grid.json) or cannot grow\n";
  return out;
}

nlohmann::json fleet_preview_json(const FleetPreview& p) {
  auto j = cost_change_json(p.cost);
  j["unplaced"] = p.change.unplaced;
  if (!p.prices_error.empty()) j["prices_error"] = p.prices_error;
  return j;
}

}  // namespace quarry
