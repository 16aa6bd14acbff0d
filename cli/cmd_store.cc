// quarry store migrate --to URL: copy the state into another store.
// quarry hq status [--json]: the HQs sharing the store, who leads, etcd's health.
#include <ctime>
#include <iostream>

#include "cli/command.h"
#include "hq/hq_peers.h"
#include "store/etcd_store.h"
#include "store/hq_status.h"
#include "store/store_migrate.h"
#include "store/store_url.h"

namespace quarry {

namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

Status migrate_cmd(Context& ctx, const std::string& to_url) {
  auto target = open_store(to_url);
  if (!target) return std::unexpected(target.error().context("--to"));
  if ((*target)->url() == ctx.store().url()) return fail("--to names the store being copied: " + to_url, ErrorKind::Usage);
  auto report = migrate_store(ctx.store(), **target);
  if (!report) return std::unexpected(report.error());
  std::cout << "copied and verified " << report->keys << " keys (" << report->bytes << " bytes) from "
            << ctx.store().url() << " to " << (*target)->url() << "\n"
            << "use it with: --store " << to_url << " (or QUARRY_STORE=" << to_url << ")\n";
  return {};
}

Status status_cmd(Context& ctx) {
  HqStatus status;
  status.store = ctx.store().url();
  auto leadership = make_leadership(ctx.store(), kDefaultLeaderTtl, unix_now);
  if (!leadership) return std::unexpected(leadership.error());
  if (auto* etcd = dynamic_cast<EtcdStore*>(&ctx.store())) {
    // Member health first: it answers even when quorum is lost.
    auto members = etcd->members();
    if (!members) return std::unexpected(members.error());
    status.etcd = std::move(*members);
  }
  auto leader = (*leadership)->leader();
  if (!leader) return std::unexpected(leader.error());
  status.leader = *leader;
  auto hqs = load_hq_members(ctx.store());
  if (!hqs) return std::unexpected(hqs.error());
  status.hqs = std::move(*hqs);
  auto peers = load_peers(ctx.store());
  if (!peers) return std::unexpected(peers.error());
  for (const auto& p : *peers) {
    status.peers.emplace_back(p.id, p.user + "@" + p.host + ":" + std::to_string(p.port));
  }
  if (ctx.options().json) std::cout << to_json(status).dump(2) << "\n";
  else std::cout << render_hq_status(status, unix_now());
  return {};
}

}  // namespace

void register_store_commands(Registry& r) {
  auto* store = r.app().add_subcommand("store", "The state store: copy it between a directory and etcd");
  store->require_subcommand(1);
  auto to = std::make_shared<std::string>();
  auto* migrate = r.add(*store, "migrate", "Copy the state into another store and verify the copy",
                        [to](Context& c) { return migrate_cmd(c, *to); });
  migrate->add_option("--to", *to, "Target store: dir:PATH or etcd://HOST:PORT[,HOST:PORT...]")->required();

  // `hq` is created by register_hq_commands, which runs first.
  auto* hq = r.app().get_subcommand("hq");
  auto* status = r.add(*hq, "status", "The HQs, which one leads and since when, and the etcd members' health",
                       [](Context& c) { return status_cmd(c); });
  r.json_flag(status);
}

}  // namespace quarry
